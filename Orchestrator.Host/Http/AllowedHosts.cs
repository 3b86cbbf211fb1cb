using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Http;

/// <summary>
/// The names the service answers to in the <c>Host</c> header (ASP.NET Core's <c>AllowedHosts</c> key: names separated
/// by ';', <c>*.example.com</c> for subdomains, <c>*</c> for any). Unset, they are the hosts it listens on: the
/// loopback names (localhost, 127.0.0.1, [::1]) for a loopback address, the address itself otherwise, and any name
/// when it listens on every interface. A page that reaches the port under its own name (DNS rebinding) is refused.
/// </summary>
public sealed partial class AllowedHosts
{
    public const string Key = "AllowedHosts";

    static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    readonly StringSegment[] patterns;

    AllowedHosts(IReadOnlyList<string> names)
    {
        Names = names;
        patterns = names.Select(n => new StringSegment(n)).ToArray();
    }

    public IReadOnlyList<string> Names { get; }

    public bool AnyHost => Names.Contains("*");

    public static AllowedHosts From(IConfiguration configuration, IEnumerable<string> listenUrls)
    {
        var configured = Split(configuration[Key]);
        if (configured.Count > 0)
        {
            return new AllowedHosts(configured);
        }

        var names = new List<string>();
        foreach (var url in listenUrls)
        {
            var host = ListenAddresses.HostOf(url);
            if (ListenAddresses.IsWildcard(url))
            {
                return new AllowedHosts(["*"]);
            }

            names.AddRange(ListenAddresses.IsLoopback(url) ? LoopbackNames : [IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host]);
        }

        return new AllowedHosts(names.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
    }

    /// <summary>Whether a request's Host header names this service; the port does not count. An empty Host (HTTP/1.0) passes.</summary>
    public bool Allows(HostString host) =>
        AnyHost || !host.HasValue || HostString.MatchesAny(new StringSegment(host.Value), patterns);

    public static IReadOnlyList<string> Problems(IConfiguration configuration) =>
        Split(configuration[Key])
            .Where(name => name != "*" && !HostPattern().IsMatch(name))
            .Select(name => $"{Key}: '{name}' is not a host name; give names without scheme, port or path, separated by ';' " +
                "(e.g. orchestrator.example.com;*.internal.example.com;localhost), or * for any.")
            .ToList();

    static List<string> Split(string? value) =>
        (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    // A DNS name (optionally *. for subdomains), an IPv4 address, or an IPv6 address in brackets.
    [GeneratedRegex(@"^((\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();
}
