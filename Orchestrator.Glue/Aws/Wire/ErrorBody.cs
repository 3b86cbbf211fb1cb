using System.Text.Json.Serialization;

namespace Orchestrator.Glue.Aws.Wire;

/// <summary>The JSON 1.1 error body: <c>{"__type": "...", "message": "..."}</c>; the model spells it <c>Message</c>.</summary>
sealed record ErrorBody(
    [property: JsonPropertyName("__type")] string? Type,
    [property: JsonPropertyName("message")] string? LowerCaseMessage,
    [property: JsonPropertyName("Message")] string? Message);
