using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// A CloudFormation template read as plain YAML into JSON nodes. Short-form tags (!Ref, !Sub) fail to load on
/// purpose: the project's templates use the long forms (Ref, Fn::Sub) so that any YAML parser reads them.
/// </summary>
public sealed class CloudFormationTemplate
{
    CloudFormationTemplate(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public static CloudFormationTemplate Load(string path)
    {
        object document;
        try
        {
            document = new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException(
                $"{path} is not plain YAML at {ex.Start}: {ex.Message} (write intrinsic functions in long form: Ref:, Fn::Sub:, Fn::GetAtt:).", ex);
        }

        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(document);
        return new CloudFormationTemplate(JsonNode.Parse(json)!.AsObject());
    }

    public JsonObject Resource(string logicalId) =>
        Root["Resources"]?[logicalId]?.AsObject() ?? throw new KeyNotFoundException($"the template has no resource {logicalId}");

    public JsonObject Properties(string logicalId) =>
        Resource(logicalId)["Properties"]?.AsObject() ?? throw new KeyNotFoundException($"{logicalId} has no Properties");

    public IReadOnlyList<string> ResourcesOfType(string type) =>
        Root["Resources"]!.AsObject()
            .Where(r => r.Value is JsonObject resource && resource["Type"]?.GetValue<string>() == type)
            .Select(r => r.Key)
            .ToList();

    /// <summary>
    /// The body of a <c>Fn::ForEach::&lt;name&gt;</c> loop (AWS::LanguageExtensions) in a section: its identifier, the
    /// collection, and the one templated entry it stamps out per element (logical id or output key, and value).
    /// </summary>
    public (string Identifier, JsonNode Collection, string Key, JsonObject Body) ForEach(string section, string loop)
    {
        var parts = Root[section]?["Fn::ForEach::" + loop]?.AsArray()
            ?? throw new KeyNotFoundException($"the template has no Fn::ForEach::{loop} in {section}");
        var entry = parts[2]!.AsObject().Single();
        return (parts[0]!.GetValue<string>(), parts[1]!, entry.Key, entry.Value!.AsObject());
    }

    public string ParameterDefault(string name) =>
        Root["Parameters"]?[name]?["Default"]?.GetValue<string>() ?? throw new KeyNotFoundException($"parameter {name} has no Default");

    /// <summary>A value as text: a literal as is, <c>Ref: X</c> as <c>${X}</c>, <c>Fn::Sub</c> as its template string.</summary>
    public static string Text(JsonNode? node) => node switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonObject { Count: 1 } function when function["Ref"] is { } reference => "${" + reference.GetValue<string>() + "}",
        JsonObject { Count: 1 } function when function["Fn::Sub"] is JsonValue sub => sub.GetValue<string>(),
        JsonObject { Count: 1 } function when function["Fn::Sub"] is JsonArray sub => sub[0]!.GetValue<string>(),
        _ => throw new InvalidDataException($"not a literal, Ref or Fn::Sub: {node?.ToJsonString()}"),
    };

    /// <summary>An IAM-style "one or many" value (Action, Resource) as a list of texts.</summary>
    public static IReadOnlyList<string> Texts(JsonNode? node) => node switch
    {
        null => [],
        JsonArray items => items.Select(Text).ToList(),
        _ => [Text(node)],
    };
}
