using Orchestrator.Activities.Pipelines;

namespace Orchestrator.Activities.Costs;

/// <summary>
/// One pipeline's day: which day (<see cref="Day"/> in <see cref="TimeZone"/>, from <see cref="StartsAt"/> to
/// <see cref="EndsAt"/>, UTC), what its runs used so far (<see cref="Used"/>), its budget if any, and whether a run may
/// start now and why (<see cref="Reason"/>). <see cref="Exceeded"/> when the day's use reached the budget.
/// </summary>
public sealed record BudgetCheck(
    string Pipeline,
    DateOnly Day,
    string TimeZone,
    DateTime StartsAt,
    DateTime EndsAt,
    CostTotal Used,
    double? DailyDpuHours,
    BudgetAction? Action,
    bool Exceeded,
    string Reason)
{
    /// <summary>Whether a scheduled slot may start now: always, unless the budget is spent and its action skips slots.</summary>
    public bool AllowsScheduled => !(Exceeded && Action == BudgetAction.SkipScheduled);
}
