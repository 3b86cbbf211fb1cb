using System.Text.Json;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// Where settings come from, lowest precedence first: the appsettings.json shipped next to the binary (or the file
/// given with --config), then environment variables (<c>Orchestrator__Store__Provider=SqlServer</c>).
/// </summary>
public static class HostConfiguration
{
    public const string FileVariable = "ORCHESTRATOR_CONFIG";

    // As the JSON configuration provider reads files, so what passes here loads there.
    static readonly JsonDocumentOptions JsonRules = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static string DefaultFile => Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } file
        ? file
        : Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>
    /// Replaces the builder's sources with the file and the environment. Returns what is wrong with the file itself
    /// (missing, unreadable, not one JSON object, a key given twice); then nothing is added.
    /// </summary>
    public static IReadOnlyList<string> Apply(IConfigurationBuilder builder, string? file)
    {
        var path = Path.GetFullPath(file ?? DefaultFile);
        if (FileProblem(path) is { } problem)
        {
            return [problem];
        }

        builder.Sources.Clear();
        builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        return [];
    }

    /// <summary>
    /// The JSON provider's own error says only "Failed to load configuration from file"; this says where and why:
    /// the line and position of a syntax error, or the key given twice (configuration keys ignore case).
    /// </summary>
    static string? FileProblem(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"The configuration file '{path}' does not exist; pass an existing one with --config.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"The configuration file '{path}' cannot be read: {ex.Message}";
        }

        const string Expected = "it must hold one JSON object, e.g. { \"Orchestrator\": { … } }";
        if (string.IsNullOrWhiteSpace(text))
        {
            return $"{path}: the file is empty; {Expected}.";
        }

        try
        {
            using var document = JsonDocument.Parse(text, JsonRules);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"{path}: the top level is {Article(document.RootElement.ValueKind)}; {Expected}.";
            }

            var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            return FindDuplicate(document.RootElement, null, seen) is { } duplicate
                ? $"{path}: the key '{duplicate.Second}' is given twice{(duplicate.First == duplicate.Second ? string.Empty : $" (as '{duplicate.First}' too: keys ignore case)")}; keep one."
                : null;
        }
        catch (JsonException ex)
        {
            return $"{path}: line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}: {JsonErrorText.Reason(ex)}";
        }
    }

    /// <summary>The first configuration key that two values map to, as the configuration would flatten them.</summary>
    static (string First, string Second)? FindDuplicate(JsonElement element, string? prefix, Dictionary<string, string> seen)
    {
        IEnumerable<(string Key, JsonElement Value)> children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => (p.Name, p.Value)),
            JsonValueKind.Array => element.EnumerateArray().Select((v, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), v)),
            _ => [],
        };
        foreach (var (name, value) in children)
        {
            var key = prefix is null ? name : $"{prefix}:{name}";
            if (value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) || !value.EnumerateObjectOrArray().Any())
            {
                if (!seen.TryAdd(key, key))
                {
                    return (seen[key], key);
                }
            }

            if (FindDuplicate(value, key, seen) is { } duplicate)
            {
                return duplicate;
            }
        }

        return null;
    }

    static IEnumerable<JsonElement> EnumerateObjectOrArray(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? element.EnumerateObject().Select(p => p.Value) : element.EnumerateArray();

    static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
