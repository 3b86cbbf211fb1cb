using System.Text;
using System.Text.Json;
using Orchestrator.Glue.Aws.Wire;

namespace Orchestrator.Glue.Aws;

/// <summary>Reads a Glue JSON 1.1 error response (<c>__type</c> and message, or the X-Amzn-ErrorType header).</summary>
static class GlueErrorResponse
{
    const string ErrorTypeHeader = "X-Amzn-ErrorType";
    const int SnippetLength = 200;

    /// <summary>The normalised error code of a failed response, or null when it carries none. Buffers the body.</summary>
    public static async ValueTask<string?> ReadCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Parse(response, body).Code;
    }

    public static GlueException ToException(string operation, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        var (code, message) = Parse(response, body);
        if (code is null)
        {
            var shown = body.Length == 0 ? "(empty body)" : Snippet(body);
            return new GlueException(
                AwsGlueErrorCodes.ForHttpStatus(status),
                $"Glue {operation} failed with HTTP {status} and no Glue error in the response: {shown}",
                status);
        }

        return new GlueException(
            code, $"Glue {operation} failed with {code} (HTTP {status}): {message ?? "no message"}", status);
    }

    /// <summary>botocore's rule: drop everything after ':', then keep what follows the last '#'.</summary>
    public static string? NormalizeCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var code = raw;
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        code = code[(code.LastIndexOf('#') + 1)..].Trim();
        return code.Length == 0 ? null : code;
    }

    /// <summary>A short, single-line excerpt of a body for error messages.</summary>
    public static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, SnippetLength * 4));
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= SnippetLength ? oneLine : oneLine[..SnippetLength] + "…";
    }

    static (string? Code, string? Message) Parse(HttpResponseMessage response, byte[] body)
    {
        var error = TryReadBody(body);
        var code = NormalizeCode(error?.Type);
        if (code is null && response.Headers.TryGetValues(ErrorTypeHeader, out var values))
        {
            code = NormalizeCode(values.FirstOrDefault());
        }

        return (code, error?.LowerCaseMessage ?? error?.Message);
    }

    static ErrorBody? TryReadBody(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, GlueJsonContext.Default.ErrorBody);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
