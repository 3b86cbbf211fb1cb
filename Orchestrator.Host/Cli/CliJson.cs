using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Host.Cli;

/// <summary>The API's JSON shape (camelCase, enums by name), for verbs that print JSON with <c>--json</c>.</summary>
static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
