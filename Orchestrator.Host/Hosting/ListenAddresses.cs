using System.Net;

namespace Orchestrator.Host.Hosting;

/// <summary>The addresses the host listens on, and whether any of them can be reached from another machine.</summary>
public static class ListenAddresses
{
    public const string Default = "http://127.0.0.1:5080";

    public static IReadOnlyList<string> Parse(string? urls) =>
        (string.IsNullOrWhiteSpace(urls) ? Default : urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static IReadOnlyList<string> NonLoopback(IEnumerable<string> urls) => urls.Where(url => !IsLoopback(url)).ToList();

    public static bool IsLoopback(string url)
    {
        var host = HostOf(url);
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Wildcards (http://+:80, http://*:80, http://0.0.0.0:80, http://[::]:80) listen on every interface.</summary>
    public static bool IsWildcard(string url) =>
        HostOf(url) is "+" or "*" || (IPAddress.TryParse(HostOf(url), out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)));

    /// <summary>The host of a listen URL, without brackets for IPv6: "http://[::1]:5080" gives "::1".</summary>
    public static string HostOf(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
        return host.StartsWith('[') && host.IndexOf(']', StringComparison.Ordinal) is > 0 and var end ? host[1..end] : host.Split(':')[0];
    }
}
