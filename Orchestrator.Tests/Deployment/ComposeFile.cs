using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// A Compose file and the variables it is filled in with, read as <c>docker compose</c> does: <c>${NAME}</c>,
/// <c>${NAME:-default}</c> and <c>${NAME:?error}</c> from an env file, <c>$$</c> for a literal dollar.
/// </summary>
public sealed partial class ComposeFile
{
    const string LiteralDollar = "\u0001";

    readonly string text;

    ComposeFile(string path, JsonObject root, string text)
    {
        Path = path;
        Root = root;
        this.text = text;
    }

    public string Path { get; }

    public JsonObject Root { get; }

    public static ComposeFile Load(string path) =>
        new(path, YamlDocuments.Load(path).Single().AsObject(), File.ReadAllText(path));

    public JsonObject Service(string name) =>
        Root["services"]?[name]?.AsObject() ?? throw new KeyNotFoundException($"{Path} has no service '{name}'");

    /// <summary>Every variable the file refers to with <c>${…}</c>.</summary>
    public IReadOnlySet<string> Variables() =>
        Reference().Matches(text.Replace("$$", LiteralDollar, StringComparison.Ordinal)).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>A service's environment (map or NAME=value list), filled in from <paramref name="variables"/>.</summary>
    public IReadOnlyDictionary<string, string> Environment(string service, IReadOnlyDictionary<string, string> variables)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Service(service)["environment"])
        {
            case JsonObject map:
                foreach (var (name, value) in map)
                {
                    environment[name] = Interpolate(value?.ToString() ?? string.Empty, variables);
                }

                break;
            case JsonArray list:
                foreach (var entry in list.Select(e => e!.GetValue<string>().Split('=', 2)))
                {
                    environment[entry[0]] = Interpolate(entry.Length > 1 ? entry[1] : string.Empty, variables);
                }

                break;
        }

        return environment;
    }

    /// <summary><c>NAME=value</c> lines of an env file; blank lines and <c>#</c> comments are skipped.</summary>
    public static IReadOnlyDictionary<string, string> ReadEnvFile(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair.Length > 1 ? pair[1].Trim() : throw new InvalidDataException($"{path}: '{pair[0]}' has no '='"), StringComparer.Ordinal);

    /// <summary>A duration such as <c>45s</c> or <c>1m30s</c>.</summary>
    public static TimeSpan Duration(string value)
    {
        var parts = DurationPart().Matches(value);
        if (parts.Sum(p => p.Length) != value.Length || parts.Count == 0)
        {
            throw new FormatException($"'{value}' is not a Compose duration such as 45s or 1m30s");
        }

        return parts.Aggregate(TimeSpan.Zero, (sum, part) => sum + (part.Groups["unit"].Value switch
        {
            "h" => TimeSpan.FromHours(int.Parse(part.Groups["amount"].Value, System.Globalization.CultureInfo.InvariantCulture)),
            "m" => TimeSpan.FromMinutes(int.Parse(part.Groups["amount"].Value, System.Globalization.CultureInfo.InvariantCulture)),
            _ => TimeSpan.FromSeconds(int.Parse(part.Groups["amount"].Value, System.Globalization.CultureInfo.InvariantCulture)),
        }));
    }

    string Interpolate(string value, IReadOnlyDictionary<string, string> variables) =>
        Reference().Replace(value.Replace("$$", LiteralDollar, StringComparison.Ordinal), match =>
        {
            var name = match.Groups["name"].Value;
            var set = variables.TryGetValue(name, out var given) && (given.Length > 0 || !match.Groups["operator"].Value.StartsWith(':'));
            return match.Groups["operator"].Value switch
            {
                _ when set => given!,
                ":-" or "-" => match.Groups["argument"].Value,
                ":?" or "?" => throw new InvalidDataException($"{Path}: {name} is not set: {match.Groups["argument"].Value}"),
                _ => string.Empty,
            };
        }).Replace(LiteralDollar, "$", StringComparison.Ordinal);

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<operator>:?[-?])(?<argument>[^}]*))?\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"(?<amount>[0-9]+)(?<unit>h|m|s)")]
    private static partial Regex DurationPart();
}
