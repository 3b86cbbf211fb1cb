using System.Collections.Concurrent;
using System.Globalization;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Costs;

/// <summary>
/// A pipeline's spending per day and its budget guard: the scheduler asks before a slot starts, the API before a manual
/// run, the dashboard for the day's total. A day is the calendar day in the pipeline's schedule time zone (UTC when
/// it has none); a run counts, whole, towards the day it was created in, even when it ends after midnight. A check
/// that finds the budget exceeded raises <c>budget.exceeded</c> (once per day, see <see cref="BudgetAlerts"/>).
/// </summary>
public sealed class PipelineBudgets(RunQueries runs, TimeProvider time, BudgetAlerts? alerts = null)
{
    /// <summary>Runs read per page while adding up a day.</summary>
    const int PageSize = 500;

    readonly ConcurrentDictionary<string, DayLedger> ledgers = new(StringComparer.Ordinal);

    /// <summary>The day <paramref name="at"/> falls in for the pipeline: its date and its bounds in UTC.</summary>
    public static (DateOnly Day, DateTime StartsAt, DateTime EndsAt, string TimeZone) DayOf(PipelineDefinition pipeline, DateTime at)
    {
        var zoneId = pipeline.Schedule?.TimeZone ?? "UTC";
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc), zone);
        var day = DateOnly.FromDateTime(local);
        return (day, StartOf(day, zone), StartOf(day.AddDays(1), zone), zoneId);
    }

    /// <summary>Today's use against the pipeline's budget, and whether (and why) a run may start now.</summary>
    public async Task<BudgetCheck> CheckAsync(PipelineDefinition pipeline, CancellationToken cancellationToken = default)
    {
        var (day, startsAt, endsAt, zone) = DayOf(pipeline, Now);
        var used = await UsedTodayAsync(pipeline.Name, startsAt, endsAt, cancellationToken);
        if (pipeline.Budget is not { } budget)
        {
            return new BudgetCheck(pipeline.Name, day, zone, startsAt, endsAt, used, null, null, false, "the pipeline has no budget");
        }

        var exceeded = used.DpuHours >= budget.DailyDpuHours;
        var spent = string.Create(CultureInfo.InvariantCulture,
            $"{used.DpuHours:0.###} of {budget.DailyDpuHours:0.###} DPU-hours used on {day:yyyy-MM-dd} ({zone})");
        var reason = !exceeded
            ? $"within budget: {spent}"
            : budget.Action == BudgetAction.SkipScheduled
                ? $"over budget: {spent}; scheduled runs are skipped until the day ends, manual runs still start"
                : $"over budget: {spent}; runs still start (Action Alert)";
        return new BudgetCheck(pipeline.Name, day, zone, startsAt, endsAt, used, budget.DailyDpuHours, budget.Action, exceeded, reason);
    }

    /// <summary>Raises <c>budget.exceeded</c> when the check found the budget spent (once per pipeline and day).</summary>
    public Task AlertAsync(BudgetCheck check) => alerts is null || !check.Exceeded ? Task.CompletedTask : alerts.RaiseAsync(check);

    DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// The day's use so far, O(new runs) per check: the day's ledger keeps the sum of its finished runs (whose costs never
    /// change), so a check reads only the runs created since the last one or unfinished then (<see cref="RunWatermark"/>).
    /// </summary>
    async Task<CostTotal> UsedTodayAsync(string pipeline, DateTime startsAt, DateTime endsAt, CancellationToken cancellationToken)
    {
        // One ledger per pipeline, for its current day: a new day starts an empty one.
        var ledger = ledgers.AddOrUpdate(pipeline, _ => new DayLedger(startsAt), (_, kept) => kept.StartsAt == startsAt ? kept : new DayLedger(startsAt));
        await ledger.Gate.WaitAsync(cancellationToken);
        try
        {
            var since = ledger.Watermark.BeginRead() is { } at && at > startsAt ? at : startsAt;
            var unfinished = CostTotal.Zero;
            // The store's upper bound is inclusive: stop one tick before the next day starts.
            await foreach (var run in runs.ListAllAsync(new RunFilter(pipeline, Since: since, Until: endsAt.AddTicks(-1), Limit: PageSize), cancellationToken))
            {
                ledger.Watermark.Note(run);
                if (!run.Status.IsFinished())
                {
                    unfinished = unfinished.Add(run.Cost);
                }
                else if (ledger.Finished.Add(run.RunId))
                {
                    ledger.FinishedCost = ledger.FinishedCost.Add(run.Cost);
                }
            }

            return ledger.FinishedCost.Add(unfinished);
        }
        finally
        {
            ledger.Gate.Release();
        }
    }

    static DateTime StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

        // A midnight skipped by a daylight-saving change starts the day at the first valid local time.
        while (zone.IsInvalidTime(midnight))
        {
            midnight = midnight.AddMinutes(30);
        }

        return TimeZoneInfo.ConvertTimeToUtc(midnight, zone);
    }

    /// <summary>A pipeline's day so far: its finished runs (ids and summed cost) and where the next read starts; touched only under <see cref="Gate"/>.</summary>
    sealed class DayLedger(DateTime startsAt)
    {
        public DateTime StartsAt { get; } = startsAt;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public RunWatermark Watermark { get; } = new();

        public HashSet<string> Finished { get; } = new(StringComparer.Ordinal);

        public CostTotal FinishedCost { get; set; } = CostTotal.Zero;
    }
}
