using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// What a run of the pipeline would do if it started now, worked out without starting anything: each step, whether it
/// would run or skip and why, the new raw data each entity has (where the backend can tell), and the estimated run
/// time and cost from the median of recent successful attempts (null while some step that would run has none on record),
/// and what the pipeline's budget says of a run now.
/// </summary>
public sealed record PipelinePlan(
    string Pipeline,
    string DefinitionHash,
    string Backend,
    DateTime PlannedAt,
    IReadOnlyList<PlannedStep> Steps,
    int EntitiesToRun,
    int EntitiesToSkip,
    double? EstimatedSeconds,
    CostTotal? EstimatedCost,
    PlanBudget Budget);

/// <summary>
/// One step of a <see cref="PipelinePlan"/>. <see cref="EstimatedSeconds"/> is the median duration of the step's last
/// <see cref="Samples"/> successful attempts (null with none), <see cref="EstimatedCost"/> the median DPU-seconds and cost
/// of those that were priced; <see cref="RawData"/> is an entity job's new-data check.
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
    int Samples,
    CostTotal? EstimatedCost);

/// <summary>Whether a planned step would run or be skipped.</summary>
public enum PlannedAction
{
    Run,
    Skip,
}

/// <summary>
/// The pipeline's day so far against its budget, as a plan sees it: <see cref="Exceeded"/> when the day's use reached
/// the budget, <see cref="WouldExceed"/> when it has not but this run's estimated cost would take it there;
/// <see cref="AllowsScheduled"/> is false when a scheduled run would be skipped (manual runs always start, with a
/// warning past the budget).
/// </summary>
public sealed record PlanBudget(
    CostTotal UsedToday,
    double? DailyDpuHours,
    BudgetAction? Action,
    bool Exceeded,
    bool WouldExceed,
    bool AllowsScheduled,
    string Reason)
{
    public static PlanBudget Of(BudgetCheck check, CostTotal? estimate)
    {
        var would = check is { Exceeded: false, DailyDpuHours: { } budget } && estimate is not null
            && check.Used.DpuHours + estimate.DpuHours >= budget;
        var reason = would
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{check.Reason}; this run's estimate ({estimate!.DpuHours:0.###} DPU-hours) would reach the budget")
            : check.Reason;
        return new PlanBudget(check.Used, check.DailyDpuHours, check.Action, check.Exceeded, would, check.AllowsScheduled, reason);
    }
}
