using Newtonsoft.Json;
using Orchestrator.Activities.Pipelines;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Everything a run needs, fixed when it starts: the pipeline definition it runs with, why it runs, which
/// entities, and for a redrive the steps it reuses from its origin.
/// </summary>
public sealed record PipelineRunInput(
    PipelineDefinition Pipeline,
    RunKind Kind,
    DateTime RequestedAt,
    DateTime? ScheduledSlot = null,
    IReadOnlyList<string>? Entities = null,
    IReadOnlyList<StepOutcome>? ReusedSteps = null,
    string? OriginRunId = null,
    string? Reason = null)
{
    [JsonIgnore]
    public string DefinitionHash => Pipeline.Hash;

    /// <summary>The entities this run prepares, in configuration order.</summary>
    [JsonIgnore]
    public IReadOnlyList<EntityDefinition> SelectedEntities =>
        Entities is { Count: > 0 } names
            ? Pipeline.Entities.Where(e => names.Contains(e.Name, StringComparer.OrdinalIgnoreCase)).ToList()
            : Pipeline.Entities;
}
