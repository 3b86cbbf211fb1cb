using Newtonsoft.Json;
using Orchestrator.Activities.Costs;

namespace Orchestrator.Activities.Runs;

/// <summary>Why a run exists.</summary>
public enum RunKind
{
    Scheduled,
    Manual,
    Replay,
    Redrive,
}

/// <summary>A run's status as operators see it.</summary>
public enum RunStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Terminated,
}

public enum StepKind
{
    RawCrawler,
    EntityJob,
    CleanCrawler,

    /// <summary>An entity's own clean crawler, run as soon as its job succeeds (CleanCrawl: PerEntity).</summary>
    EntityCleanCrawler,
}

/// <summary>
/// A step's state. Pending steps have not started; Skipped ones were not run because of the clean crawler
/// condition or an earlier failure; Reused ones succeeded in the run a redrive came from.
/// </summary>
public enum StepState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Stopped,
    Skipped,
    Reused,
}

/// <summary>
/// One try of a step's Glue resource: a job run, or a crawl. An <see cref="Interrupted"/> attempt ended because the
/// orchestrator's own host went away and its run could not be resumed: it is tried again at once and does not count
/// against the retry policy's MaxAttempts (its own cap is MaxInterruptedAttempts). A succeeded job attempt records
/// the <see cref="PartitionChanges"/> it wrote in the change feed; <see cref="Warning"/> says what went wrong without
/// failing the step (the partitions it wrote could not be told, or not recorded). <see cref="Cost"/> is what the
/// attempt is billed (DPU-seconds and cost), recorded as it runs and when it ends.
/// </summary>
public sealed record AttemptRecord(
    int Number,
    string? GlueRunId,
    string State,
    DateTime? StartedAt,
    DateTime? EndedAt,
    string? ErrorClass,
    string? ErrorMessage,
    int? ExecutionTimeSeconds = null,
    double? DpuSeconds = null,
    Glue.JobRunDetails? Details = null,
    bool Interrupted = false,
    int? PartitionChanges = null,
    string? Warning = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] AttemptCost? Cost = null)
{
    /// <summary>This attempt, ended as interrupted at <paramref name="endedAt"/> with the backend's message.</summary>
    public AttemptRecord AsInterrupted(DateTime endedAt, string? message) =>
        this with { State = AttemptStates.Interrupted, EndedAt = endedAt, ErrorClass = AttemptStates.InterruptedClass, ErrorMessage = message, Interrupted = true };
}

/// <summary>
/// What happened to one step (raw crawler, an entity's job, clean crawler), with every attempt. A job step of an
/// entity with SkipWhenNoNewData carries the <see cref="RawData"/> check it made before starting: the evidence for
/// running, or for ending Skipped with <see cref="AttemptStates.NoNewDataClass"/>.
/// </summary>
public sealed record StepOutcome(
    string Id,
    StepKind Kind,
    string Name,
    string? Resource,
    StepState State,
    DateTime? StartedAt,
    DateTime? EndedAt,
    string? ErrorClass,
    string? ErrorMessage,
    IReadOnlyList<AttemptRecord> Attempts,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] Glue.RawDataCheck? RawData = null)
{
    public static StepOutcome Pending(string id, StepKind kind, string name, string? resource) =>
        new(id, kind, name, resource, StepState.Pending, null, null, null, null, []);

    [JsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Succeeded => State is StepState.Succeeded or StepState.Reused;

    /// <summary>Skipped because there was no new data (or, for a clean crawl, because every entity was).</summary>
    [JsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public bool SkippedNoNewData => State == StepState.Skipped && ErrorClass == AttemptStates.NoNewDataClass;

    /// <summary>Succeeded, or had nothing to do: what CleanCrawlerWhen and the run's status ask of a step.</summary>
    [JsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public bool CountsAsSucceeded => Succeeded || SkippedNoNewData;

    /// <summary>
    /// The clean partitions the step's successful attempt added or updated, when the backend reports them. Derived
    /// from the attempts, so kept out of both the stored payload (Newtonsoft) and the REST JSON (System.Text.Json).
    /// </summary>
    [JsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> PartitionsTouched =>
        Attempts.LastOrDefault(a => a.Details is not null)?.Details is { } details
            ? [.. details.PartitionsAdded, .. details.PartitionsUpdated]
            : [];

    /// <summary>
    /// The step's attempts' costs added up (attempts that never reached Glue, or only waited for someone else's crawl,
    /// cost nothing, and a step a redrive reused was paid by the run it came from); derived, so kept out of the stored
    /// payload but shown in the REST JSON.
    /// </summary>
    [JsonIgnore]
    public CostTotal Cost => State == StepState.Reused
        ? CostTotal.Zero
        : CostTotal.Of(Attempts.Where(a => a.GlueRunId is not null || a.Cost is not null).Select(a => a.Cost));
}

/// <summary>A step in brief, as the run's progress lists it (attempt details live in the step's own status).</summary>
public sealed record StepSummary(
    string Id,
    StepKind Kind,
    string Name,
    StepState State,
    DateTime? StartedAt,
    DateTime? EndedAt,
    int Attempts,
    string? ErrorMessage,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] CostTotal? Cost = null)
{
    public static StepSummary Of(StepOutcome step) =>
        new(step.Id, step.Kind, step.Name, step.State, step.StartedAt, step.EndedAt, step.Attempts.Count, step.ErrorMessage,
            step.Attempts.Count > 0 ? step.Cost : null);
}

/// <summary>
/// The run's steps as they stand: the orchestration's custom status, updated as steps move and given the run's
/// final status at the end, so run listings need neither inputs nor outputs.
/// </summary>
public sealed record RunProgress(
    IReadOnlyList<StepSummary> Steps,
    bool StopRequested = false,
    RunStatus? Status = null,
    string? Message = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] IReadOnlyList<EntityVisibility>? Visibility = null);

/// <summary>
/// When an entity's clean partitions of this run became visible: the end of the clean crawl that catalogued them
/// (its own in PerEntity lanes, the pipeline's otherwise), and the lag from the run's slot (its scheduled minute, or
/// when it was requested). <see cref="Late"/> when the lag, or the time waited so far, passed the pipeline's
/// VisibilitySla. An entity whose data never became visible has no <see cref="CataloguedAt"/>.
/// </summary>
public sealed record EntityVisibility(string Entity, DateTime? CataloguedAt, double? LagSeconds, bool Late);

/// <summary>The run's output.</summary>
public sealed record RunResult(
    RunStatus Status,
    IReadOnlyList<StepOutcome> Steps,
    string DefinitionHash,
    string? Message,
    IReadOnlyList<EntityVisibility>? Visibility = null);
