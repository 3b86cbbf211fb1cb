using System.Globalization;
using System.Text.Json;
using DurableTask.Core;

namespace Orchestrator.Storage.Listings;

/// <summary>
/// An instance's outcome: its runtime status, except that a Completed instance may report a finer one in the
/// <c>Status</c> field of its custom status (a JSON object), a string or an integer kept as text. An orchestration
/// that completes whether its work succeeded or not (a pipeline run does) says there how it ended, and listings
/// filter on it. The SQLite store indexes the same rule as a generated column (<c>Scripts/schema-3.sql</c>).
/// </summary>
public static class InstanceOutcomes
{
    const string Field = "Status";

    public static string Of(OrchestrationStatus status, string? customStatus) =>
        status == OrchestrationStatus.Completed ? Reported(customStatus) ?? nameof(OrchestrationStatus.Completed) : status.ToString();

    /// <summary>
    /// The runtime statuses an instance with one of <paramref name="outcomes"/> can have, for stores that filter
    /// by runtime status first: an outcome that names a live or failed runtime status is that status; anything else
    /// is what a Completed instance reported.
    /// </summary>
    public static IReadOnlyList<OrchestrationStatus> RuntimeStatuses(IEnumerable<string> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return outcomes
            .Select(o => Enum.GetNames<OrchestrationStatus>().Contains(o, StringComparer.Ordinal) ? Enum.Parse<OrchestrationStatus>(o) : OrchestrationStatus.Completed)
            .Distinct()
            .ToList();
    }

    static string? Reported(string? customStatus)
    {
        if (string.IsNullOrEmpty(customStatus))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(customStatus);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(Field, out var value)
                ? value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
                    _ => null,
                }
                : null;
        }
        catch (JsonException)
        {
            // Not JSON: nothing reported, as the store's json_valid guard reads it.
            return null;
        }
    }
}
