using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// What a run of the pipeline would do if it started now, worked out without starting anything: each step, whether it
/// would run or skip and why, the new raw data each entity has (where the backend can tell), and the estimated run
/// time from the median of recent successful attempts (null while some step that would run has none on record).
/// </summary>
public sealed record PipelinePlan(
    string Pipeline,
    string DefinitionHash,
    string Backend,
    DateTime PlannedAt,
    IReadOnlyList<PlannedStep> Steps,
    int EntitiesToRun,
    int EntitiesToSkip,
    double? EstimatedSeconds);

/// <summary>
/// One step of a <see cref="PipelinePlan"/>. <see cref="EstimatedSeconds"/> is the median duration of the step's last
/// <see cref="Samples"/> successful attempts (null with none); <see cref="RawData"/> is an entity job's new-data check.
/// </summary>
public sealed record PlannedStep(
    string Id,
    StepKind Kind,
    string Name,
    string? Resource,
    PlannedAction Action,
    string Reason,
    RawDataCheck? RawData,
    double? EstimatedSeconds,
    int Samples);

/// <summary>Whether a planned step would run or be skipped.</summary>
public enum PlannedAction
{
    Run,
    Skip,
}
