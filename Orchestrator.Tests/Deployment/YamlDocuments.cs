using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// Compose files and Kubernetes manifests read as JSON nodes with YAML's core-schema types: an unquoted
/// <c>true</c> or <c>30</c> is a boolean or a number, as Kubernetes and Compose read it, so a manifest that gives a
/// number where a string is required is caught here. Duplicate keys fail to load.
/// </summary>
public static partial class YamlDocuments
{
    public static IReadOnlyList<JsonNode> Load(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{path} is not valid YAML at {ex.Start}: {ex.Message}", ex);
        }

        return stream.Documents.Select(d => ToJson(d.RootNode, path) ?? throw new InvalidDataException($"{path} has an empty document.")).ToList();
    }

    static JsonNode? ToJson(YamlNode node, string path) => node switch
    {
        YamlMappingNode mapping => Mapping(mapping, path),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(c => ToJson(c, path))]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"{path}: unsupported YAML node at {node.Start}"),
    };

    static JsonObject Mapping(YamlMappingNode mapping, string path)
    {
        var json = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = key is YamlScalarNode { Value: { } text } ? text : throw new InvalidDataException($"{path}: a non-text key at {key.Start}");
            if (json.ContainsKey(name))
            {
                throw new InvalidDataException($"{path}: the key '{name}' appears twice in one mapping (at {key.Start}).");
            }

            json[name] = ToJson(value, path);
        }

        return json;
    }

    static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when Integer().IsMatch(text) => JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture)),
            _ when Float().IsMatch(text) => JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
