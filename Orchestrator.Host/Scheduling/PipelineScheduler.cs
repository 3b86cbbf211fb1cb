using Cronos;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Observability;

namespace Orchestrator.Host.Scheduling;

/// <summary>
/// Starts each pipeline's runs on its cron schedule. A slot's run id is fixed by the slot, so a restarted host or
/// a second replica can never start the same slot twice. After downtime only the most recent missed slot runs.
/// A due slot meets the pipeline's overlap policy: Skip (logged and counted), Queue (starts when the active run
/// ends) or Allow. Paused schedules skip their slots until resumed. A pipeline past its daily budget skips its slots
/// (Action SkipScheduled, logged and counted like overlap skips) or starts them flagged (Action Alert).
/// </summary>
public sealed partial class PipelineScheduler(
    PipelineCatalog pipelines,
    RunQueries runs,
    RunCommands commands,
    ScheduleStateStore states,
    OrchestratorMetrics metrics,
    TimeProvider time,
    ILogger<PipelineScheduler> logger,
    PipelineBudgets? budgets = null) : BackgroundService
{
    /// <summary>Queued slots, deadlines and gauges are looked at least this often.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    readonly Dictionary<string, PipelineSlots> slots = new(StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> flaggedPastDeadline = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EvaluateAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEvaluationFailed(logger, ex);
            }

            var now = time.GetUtcNow().UtcDateTime;
            var next = slots.Values.Select(s => s.NextSlotAfter(now)).Where(n => n is not null).Min() ?? now + Heartbeat;
            var wait = next - now < Heartbeat ? next - now : Heartbeat;
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Does everything due at the current time: new slots, queued slots, deadline flags and gauges.</summary>
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var pipeline in pipelines.All)
        {
            var active = await runs.ActiveRunsAsync(pipeline.Name, cancellationToken);
            metrics.ActiveRuns(pipeline.Name, active);
            FlagPastDeadline(active);
            if (pipeline.Schedule is null)
            {
                continue;
            }

            if (!slots.TryGetValue(pipeline.Name, out var state))
            {
                var first = new PipelineSlots(pipeline);
                await FirstLookAsync(pipeline, first, active, now, cancellationToken);
                slots[pipeline.Name] = first;
                continue;
            }

            // A slot counts as evaluated only once it was handled: a store error leaves it to the next evaluation,
            // and its fixed run id makes that retry safe.
            if (state.LatestDueSince(state.LastEvaluated, now) is { } due)
            {
                await OnSlotAsync(pipeline, state, due, active, cancellationToken);
                state.LastEvaluated = due;
            }
            else if (state.Queued is { } queued && active.Count == 0 && !await IsPausedAsync(pipeline))
            {
                state.Queued = null;
                if (await BudgetAllowsAsync(pipeline, queued, cancellationToken))
                {
                    LogStartingQueued(logger, queued, pipeline.Name);
                    await StartAsync(pipeline, queued);
                }
            }
        }
    }

    async Task FirstLookAsync(PipelineDefinition pipeline, PipelineSlots state, IReadOnlyList<RunSummary> active, DateTime now, CancellationToken cancellationToken)
    {
        // The latest slot at or before now: run it if RunOnStartup asks, or if the host was down when it was due
        // (there are earlier runs). Older missed slots are not run: they would only redo the same work.
        var latest = state.LatestDueSince(null, now);
        if (latest is { } slot
            && (pipeline.RunOnStartup || (await runs.ListAsync(new RunFilter(pipeline.Name, Limit: 1), cancellationToken)).Runs.Count > 0))
        {
            await OnSlotAsync(pipeline, state, slot, active, cancellationToken);
        }

        state.LastEvaluated = latest ?? now;
    }

    async Task OnSlotAsync(PipelineDefinition pipeline, PipelineSlots state, DateTime slot, IReadOnlyList<RunSummary> active, CancellationToken cancellationToken)
    {
        // The slot's own run, started by this host or another, means the slot is handled: it is never an overlap.
        var slotRun = RunIds.Scheduled(pipeline.Name, slot);
        if (active.Any(r => r.RunId == slotRun) || await runs.ExistsAsync(slotRun))
        {
            LogSlotAlreadyStarted(logger, slot, pipeline.Name, slotRun);
            return;
        }

        if (await IsPausedAsync(pipeline))
        {
            LogSlotPaused(logger, slot, pipeline.Name);
            metrics.SlotSkipped(pipeline.Name, "paused");
            return;
        }

        if (active.Count > 0)
        {
            switch (pipeline.Overlap)
            {
                case OverlapPolicy.Skip:
                    LogSlotSkipped(logger, slot, pipeline.Name, active[0].RunId);
                    metrics.SlotSkipped(pipeline.Name, "overlap");
                    return;
                case OverlapPolicy.Queue:
                    if (state.Queued is { } replaced)
                    {
                        LogSlotReplacesQueued(logger, slot, pipeline.Name, replaced);
                        metrics.SlotSkipped(pipeline.Name, "superseded");
                    }

                    state.Queued = slot;
                    LogSlotQueued(logger, slot, pipeline.Name, active[0].RunId);
                    return;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (state.Queued is { } superseded)
        {
            // A newer slot starts: the queued older one would only redo its work afterwards.
            LogQueuedSuperseded(logger, superseded, pipeline.Name, slot);
            metrics.SlotSkipped(pipeline.Name, "superseded");
            state.Queued = null;
        }

        if (await BudgetAllowsAsync(pipeline, slot, cancellationToken))
        {
            await StartAsync(pipeline, slot);
        }
    }

    /// <summary>
    /// Whether the pipeline's budget lets a scheduled slot start: past it, SkipScheduled skips the slot (logged and
    /// counted as reason "budget"), Alert starts it with a warning; both raise budget.exceeded (once a day).
    /// </summary>
    async Task<bool> BudgetAllowsAsync(PipelineDefinition pipeline, DateTime slot, CancellationToken cancellationToken)
    {
        if (pipeline.Budget is null || budgets is null)
        {
            return true;
        }

        var check = await budgets.CheckAsync(pipeline, cancellationToken);
        if (!check.Exceeded)
        {
            return true;
        }

        await budgets.AlertAsync(check);
        if (check.AllowsScheduled)
        {
            LogSlotOverBudget(logger, slot, pipeline.Name, check.Reason);
            return true;
        }

        LogSlotSkippedOverBudget(logger, slot, pipeline.Name, check.Reason);
        metrics.SlotSkipped(pipeline.Name, "budget");
        return false;
    }

    async Task StartAsync(PipelineDefinition pipeline, DateTime slot)
    {
        if (await commands.StartScheduledAsync(pipeline, slot))
        {
            LogSlotStarted(logger, slot, pipeline.Name);
        }
        else
        {
            LogSlotStartedElsewhere(logger, slot, pipeline.Name);
        }
    }

    async Task<bool> IsPausedAsync(PipelineDefinition pipeline) => (await states.GetAsync(pipeline.Name))?.Paused == true;

    void FlagPastDeadline(IReadOnlyList<RunSummary> active)
    {
        foreach (var run in active.Where(r => r.PastDeadline && flaggedPastDeadline.Add(r.RunId)))
        {
            LogRunPastDeadline(logger, run.RunId, run.Pipeline, run.Status);
        }
    }

    /// <summary>Next due time of a pipeline's schedule, for the API.</summary>
    public static DateTime? NextDue(PipelineDefinition pipeline, DateTime now) =>
        pipeline.Schedule is null ? null : new PipelineSlots(pipeline).NextSlotAfter(now);

    /// <summary>A pipeline's cron in its time zone, and what the scheduler remembers of it.</summary>
    sealed class PipelineSlots(PipelineDefinition pipeline)
    {
        readonly CronExpression cron = PipelineDefinitionReader.ParseCron(pipeline.Schedule!.Cron);
        readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(pipeline.Schedule!.TimeZone);

        public DateTime? LastEvaluated { get; set; }

        public DateTime? Queued { get; set; }

        public DateTime? NextSlotAfter(DateTime now) => cron.GetNextOccurrence(DateTime.SpecifyKind(now, DateTimeKind.Utc), zone);

        /// <summary>
        /// The latest slot in (<paramref name="since"/>, <paramref name="now"/>], or null. Without a lower bound the
        /// window widens until a slot is found, so weekly or monthly schedules catch up too.
        /// </summary>
        public DateTime? LatestDueSince(DateTime? since, DateTime now)
        {
            if (since is { } from)
            {
                return Latest(from, now);
            }

            foreach (var days in new[] { 2, 14, 62, 400 })
            {
                if (Latest(now.AddDays(-days), now) is { } latest)
                {
                    return latest;
                }
            }

            return null;
        }

        DateTime? Latest(DateTime from, DateTime now)
        {
            DateTime? latest = null;
            foreach (var occurrence in cron.GetOccurrences(DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(now, DateTimeKind.Utc), zone, fromInclusive: false, toInclusive: true))
            {
                latest = occurrence;
            }

            return latest;
        }
    }

    // Log events of the scheduler: EventIds 1100–1119.
    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Schedule evaluation failed; trying again shortly")]
    static partial void LogEvaluationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Starting queued slot {Slot:o} of {Pipeline}: the active run has ended")]
    static partial void LogStartingQueued(ILogger logger, DateTime slot, string pipeline);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Slot {Slot:o} of {Pipeline} was already started as run {RunId} (by this host or another)")]
    static partial void LogSlotAlreadyStarted(ILogger logger, DateTime slot, string pipeline, string runId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Slot {Slot:o} of {Pipeline} skipped: the schedule is paused")]
    static partial void LogSlotPaused(ILogger logger, DateTime slot, string pipeline);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Slot {Slot:o} of {Pipeline} skipped: run {RunId} is still active (Overlap = Skip)")]
    static partial void LogSlotSkipped(ILogger logger, DateTime slot, string pipeline, string runId);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Slot {Slot:o} of {Pipeline} replaces queued slot {Replaced:o}")]
    static partial void LogSlotReplacesQueued(ILogger logger, DateTime slot, string pipeline, DateTime replaced);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Slot {Slot:o} of {Pipeline} queued behind run {RunId}")]
    static partial void LogSlotQueued(ILogger logger, DateTime slot, string pipeline, string runId);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "Queued slot {Slot:o} of {Pipeline} is superseded by slot {Newer:o}")]
    static partial void LogQueuedSuperseded(ILogger logger, DateTime slot, string pipeline, DateTime newer);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "Started the run of slot {Slot:o} of {Pipeline}")]
    static partial void LogSlotStarted(ILogger logger, DateTime slot, string pipeline);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Debug, Message = "Slot {Slot:o} of {Pipeline} was already started (by an earlier start or another replica)")]
    static partial void LogSlotStartedElsewhere(ILogger logger, DateTime slot, string pipeline);

    [LoggerMessage(EventId = 1700, Level = LogLevel.Warning, Message = "Slot {Slot:o} of {Pipeline} skipped: {BudgetReason}")]
    static partial void LogSlotSkippedOverBudget(ILogger logger, DateTime slot, string pipeline, string budgetReason);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "Slot {Slot:o} of {Pipeline} starts {BudgetReason}")]
    static partial void LogSlotOverBudget(ILogger logger, DateTime slot, string pipeline, string budgetReason);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Run {RunId} of {Pipeline} is still {RunStatus} past its deadline; later slots follow the overlap policy")]
    static partial void LogRunPastDeadline(ILogger logger, string runId, string pipeline, RunStatus runStatus);
}
