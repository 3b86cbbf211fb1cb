using System.Net;

namespace Orchestrator.Host.Hosting;

/// <summary>The addresses the host listens on, and whether any of them can be reached from another machine.</summary>
public static class ListenAddresses
{
    public const string Default = "http://127.0.0.1:5080";

    public static IReadOnlyList<string> Parse(string? urls) =>
        (string.IsNullOrWhiteSpace(urls) ? Default : urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static IReadOnlyList<string> NonLoopback(IEnumerable<string> urls) => urls.Where(url => !IsLoopback(url)).ToList();

    static bool IsLoopback(string url)
    {
        // Wildcards (http://+:80, http://*:80, http://0.0.0.0:80) listen on every interface.
        var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
        host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
