using System.Text.Json;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// System.Text.Json ends its messages with "Path: $.x | LineNumber: 0 | BytePositionInLine: 5." (zero-based);
/// whoever reports the error says where, once and one-based, and keeps only the reason.
/// </summary>
public static class JsonErrorText
{
    public static string Reason(JsonException exception)
    {
        var message = exception.Message;
        var cut = new[] { message.IndexOf(" Path:", StringComparison.Ordinal), message.IndexOf(" LineNumber:", StringComparison.Ordinal) }
            .Where(i => i >= 0).DefaultIfEmpty(message.Length).Min();
        return message[..cut].Trim();
    }
}
