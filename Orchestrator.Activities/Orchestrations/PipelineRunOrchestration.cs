using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Notifications;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

/// <summary>
/// A run of a pipeline: the raw crawler, then one job per entity with at most MaxParallelJobs in flight, then the
/// clean crawler when CleanCrawlerWhen allows. With CleanCrawl PerEntity each entity is a lane: its own clean crawler
/// starts as soon as its job succeeds, so one failing entity delays only its own visibility. Each step is a
/// sub-orchestration; the run's custom status lists the steps as they stand (and when each entity's data became
/// visible) and its output is the <see cref="RunResult"/>. A "terminate" event stops the steps in flight (their Glue
/// runs included) and ends the run Terminated with every step's last state.
/// </summary>
public sealed class PipelineRunOrchestration(ILoggerFactory? loggerFactory = null, RunMetrics? metrics = null) : TaskOrchestration<RunResult, PipelineRunInput, string, RunProgress>
{
    /// <summary>The event that asks a run to stop; its data is the reason.</summary>
    public const string TerminateEvent = "terminate";

    readonly TaskCompletionSource<string> terminate = new();
    readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PipelineRunOrchestration>();
    readonly List<StepOutcome> steps = [];

    /// <summary>Each step's place in <see cref="steps"/>: a 1,000-entity run looks steps up by id ~4,000 times a run and in every replay.</summary>
    readonly Dictionary<string, int> stepIndex = new(StringComparer.Ordinal);
    readonly List<EntityVisibility> visibility = [];
    readonly RunProgressWriter progress = new();
    bool stopping;
    RunResult? result;
    RunNotifications? notifications;
    PipelineRunInput? run;

    /// <summary>Fires when the pipeline's VisibilitySla has passed since the slot; null once handled, or without an SLA.</summary>
    Task<StepOutcome>? slaPassed;

    /// <summary>Cancels the SLA timer when the run ends first: DurableTask.Core completes no orchestration with a timer open.</summary>
    readonly CancellationTokenSource slaCancel = new();

    public PipelineRunOrchestration()
        : this(null, null)
    {
    }

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == TerminateEvent)
        {
            terminate.TrySetResult(string.IsNullOrEmpty(input) ? "terminated by an operator" : input);
        }
    }

    /// <summary>The <see cref="RunProgress"/>, written by <see cref="progress"/>: only the steps that moved are serialized again.</summary>
    public override string GetStatus() =>
        progress.Write(steps, stopping, result?.Status, result?.Message, visibility.Count > 0 ? visibility : null);

    public override async Task<RunResult> RunTask(OrchestrationContext context, PipelineRunInput input)
    {
        var runId = context.OrchestrationInstance.InstanceId;
        var pipeline = input.Pipeline;
        run = input;
        var reused = (input.ReusedSteps ?? []).ToDictionary(s => s.Id);
        if (pipeline.RawCrawler is { } raw)
        {
            Add(Initial(StepIds.RawCrawler, StepKind.RawCrawler, raw, raw, reused));
        }

        foreach (var entity in input.SelectedEntities)
        {
            var job = Initial(StepIds.Entity(entity.Name), StepKind.EntityJob, entity.Name, entity.Job, reused);
            Add(job);
            if (entity.CleanCrawler is { } laneCrawler)
            {
                // A lane's crawl is reused only with its job: a rerun's partitions must reach the catalog.
                var laneId = StepIds.EntityCleanCrawler(entity.Name);
                Add(job.State == StepState.Reused
                    ? Initial(laneId, StepKind.EntityCleanCrawler, entity.Name, laneCrawler, reused)
                    : StepOutcome.Pending(laneId, StepKind.EntityCleanCrawler, entity.Name, laneCrawler));
            }
        }

        if (pipeline.VisibilitySla is { } sla)
        {
            slaPassed = Signal(context.CreateTimer(Slot + sla, true, slaCancel.Token));
        }
        if (pipeline.CleanCrawler is { } clean)
        {
            // The clean crawl is reused only if no entity runs again: a rerun's partitions must reach the catalog.
            var entitiesReused = steps.Where(s => s.Kind == StepKind.EntityJob).All(s => s.State == StepState.Reused);
            Add(entitiesReused
                ? Initial(StepIds.CleanCrawler, StepKind.CleanCrawler, clean, clean, reused)
                : StepOutcome.Pending(StepIds.CleanCrawler, StepKind.CleanCrawler, clean, clean));
        }

        Log(context, runId, log => log.RunStarted(pipeline.Name, input.Kind, input.DefinitionHash, input.SelectedEntities.Count));
        if (!context.IsReplaying)
        {
            metrics?.RunStarted(pipeline.Name, input.Kind);
        }

        notifications = RunNotifications.Start(context, runId, input);

        if (Find(StepIds.RawCrawler) is { State: StepState.Pending } rawStep)
        {
            await RunCrawlerAsync(context, runId, rawStep, pipeline);
        }

        var rawOk = Find(StepIds.RawCrawler) is not { } rawOutcome || rawOutcome.Succeeded;
        if (rawOk)
        {
            await RunEntityJobsAsync(context, runId, input);
        }

        var cleanStep = Find(StepIds.CleanCrawler);
        if (cleanStep is { State: StepState.Pending } && !stopping)
        {
            // An entity skipped for no new data counts as succeeded; when every one was, there is nothing to catalog.
            var entities = steps.Where(s => s.Kind == StepKind.EntityJob).ToList();
            var allowed = pipeline.CleanCrawlerWhen == CleanCrawlerCondition.AllSucceeded
                ? entities.All(s => s.CountsAsSucceeded)
                : entities.Count == 0 || entities.Any(s => s.CountsAsSucceeded);
            if (entities.Count > 0 && entities.All(s => s.SkippedNoNewData))
            {
                Update(NothingNew(context, cleanStep));
                Log(context, runId, log => log.CleanCrawlSkippedNoNewData(pipeline.Name));
            }
            else if (allowed && rawOk)
            {
                await RunCrawlerAsync(context, runId, cleanStep, pipeline);
            }
        }

        // Whatever never started is recorded as skipped, so a redrive knows to run it.
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].State == StepState.Pending)
            {
                steps[i] = steps[i] with { State = StepState.Skipped, ErrorMessage = stopping ? "the run was terminated" : "not run: an earlier step did not succeed" };
            }
        }

        FinishVisibility(context);
        if (slaPassed is not null)
        {
            // Synchronous on purpose, as in StepOrchestration.WaitUntilAsync: it must happen within this turn.
#pragma warning disable CA1849
            slaCancel.Cancel();
#pragma warning restore CA1849
            slaPassed = null;
        }

        var status = stopping ? RunStatus.Terminated : steps.All(s => s.CountsAsSucceeded) ? RunStatus.Succeeded : RunStatus.Failed;
        var message = stopping ? terminate.Task.Result : status == RunStatus.Failed ? FailureSummary() : null;
        Log(context, runId, log => log.RunEnded(status == RunStatus.Succeeded ? LogLevel.Information : LogLevel.Warning, pipeline.Name, status, message is null ? string.Empty : $": {message}"));

        // Every step that ran has an instance, including one that crashed or was stopped before its first attempt.
        var stepInstances = steps.Where(s => s.StartedAt is not null && s.State != StepState.Reused).Select(s => RunIds.Step(runId, s.Id)).ToList();
        if (stepInstances.Count > 0)
        {
            try
            {
                await context.ScheduleTask<int>(typeof(PurgeStepsActivity), new PurgeStepsRequest(runId, stepInstances));
            }
            catch (TaskFailedException)
            {
                // Leftover step instances cost a little space, nothing more.
            }
        }

        result = new RunResult(status, [.. steps], input.DefinitionHash, message, visibility.Count > 0 ? [.. visibility] : null);
        await notifications.EndAsync(result, input);
        if (!context.IsReplaying)
        {
            metrics?.RunFinished(pipeline.Name, status, context.CurrentUtcDateTime - input.RequestedAt);
        }

        return result;
    }

    async Task RunEntityJobsAsync(OrchestrationContext context, string runId, PipelineRunInput input)
    {
        var pending = new Queue<EntityDefinition>(input.SelectedEntities.Where(e => Find(StepIds.Entity(e.Name))!.State == StepState.Pending));
        var running = new Dictionary<Task<StepOutcome>, string>();
        var jobsRunning = 0;
        var terminateSeen = false;

        // A redrive's reused job whose lane crawl did not succeed crawls again at once.
        foreach (var job in steps.Where(s => s.Kind == StepKind.EntityJob && s.Succeeded).ToList())
        {
            StartLaneCrawl(context, runId, job.Name, running);
        }

        while (true)
        {
            if (!terminateSeen && terminate.Task.IsCompleted)
            {
                terminateSeen = true;
                Stop(context, runId, running.Values);
            }

            while (!stopping && pending.Count > 0 && jobsRunning < input.Pipeline.MaxParallelJobs)
            {
                var entity = pending.Dequeue();
                var stepId = StepIds.Entity(entity.Name);
                Update(Find(stepId)! with { State = StepState.Running, StartedAt = context.CurrentUtcDateTime });
                running[RunStepAsync(context, runId, stepId, typeof(EntityJobOrchestration), new EntityJobInput(runId, entity, input.Pipeline.Poll))] = stepId;
                jobsRunning++;
            }

            if (running.Count == 0)
            {
                return;
            }

            var first = await Task.WhenAny([.. running.Keys, .. TerminateSignal(terminateSeen), .. SlaSignal()]);
            if (first == slaPassed)
            {
                VisibilitySlaPassed(context);
            }
            else if (running.Remove(first, out _))
            {
                var outcome = await first;
                Finished(context, input.Pipeline.Name, outcome);
                if (outcome.Kind == StepKind.EntityJob)
                {
                    jobsRunning--;
                    if (outcome.Succeeded)
                    {
                        StartLaneCrawl(context, runId, outcome.Name, running);
                    }
                    else if (outcome.SkippedNoNewData && Find(StepIds.EntityCleanCrawler(outcome.Name)) is { State: StepState.Pending } lane)
                    {
                        // Nothing new was written, so the entity's lane has nothing to catalog.
                        Update(NothingNew(context, lane));
                    }
                }
            }
        }
    }

    /// <summary>Starts the entity's own clean crawl, when it has a lane whose crawl is still to do.</summary>
    void StartLaneCrawl(OrchestrationContext context, string runId, string entity, Dictionary<Task<StepOutcome>, string> running)
    {
        // Without lanes there is nothing to look up: this runs once per finished job.
        if (stopping || run!.Pipeline.CleanCrawl != CleanCrawlMode.PerEntity
            || Find(StepIds.EntityCleanCrawler(entity)) is not { State: StepState.Pending } lane)
        {
            return;
        }

        var pipeline = run!.Pipeline;
        Update(lane with { State = StepState.Running, StartedAt = context.CurrentUtcDateTime });
        running[RunStepAsync(context, runId, lane.Id, typeof(CrawlerRunOrchestration),
            new CrawlerRunInput(runId, lane.Id, lane.Kind, lane.Resource!, pipeline.Poll, pipeline.CrawlerTimeout, Retry: pipeline.CrawlerRetryPolicy))] = lane.Id;
    }

    async Task RunCrawlerAsync(OrchestrationContext context, string runId, StepOutcome step, PipelineDefinition pipeline)
    {
        if (terminate.Task.IsCompleted)
        {
            stopping = true;
            return;
        }

        Update(step with { State = StepState.Running, StartedAt = context.CurrentUtcDateTime });
        var crawl = RunStepAsync(context, runId, step.Id, typeof(CrawlerRunOrchestration),
            new CrawlerRunInput(runId, step.Id, step.Kind, step.Resource!, pipeline.Poll, pipeline.CrawlerTimeout, Retry: pipeline.CrawlerRetryPolicy));
        while (!crawl.IsCompleted)
        {
            var first = await Task.WhenAny([crawl, Completion(terminate.Task), .. SlaSignal()]);
            if (first == slaPassed)
            {
                VisibilitySlaPassed(context);
            }
            else if (first != crawl)
            {
                Stop(context, runId, [step.Id]);
                break;
            }
        }

        Finished(context, pipeline.Name, await crawl);
    }

    async Task<StepOutcome> RunStepAsync(OrchestrationContext context, string runId, string stepId, Type orchestration, object input)
    {
        try
        {
            return await context.CreateSubOrchestrationInstance<StepOutcome>(orchestration, RunIds.Step(runId, stepId), input);
        }
        catch (SubOrchestrationFailedException ex)
        {
            // A step that crashed (not one whose Glue run failed) still ends the step, never the run.
            return Find(stepId)! with { State = StepState.Failed, EndedAt = context.CurrentUtcDateTime, ErrorClass = AttemptStates.StepCrashedClass, ErrorMessage = ex.InnerException?.Message ?? ex.Message };
        }
    }

    void Stop(OrchestrationContext context, string runId, IEnumerable<string> stepIds)
    {
        stopping = true;
        foreach (var stepId in stepIds)
        {
            context.SendEvent(new OrchestrationInstance { InstanceId = RunIds.Step(runId, stepId) }, StepEvents.Stop, terminate.Task.Result);
        }

        Log(context, runId, log => log.RunTerminating(runId, terminate.Task.Result));
    }

    /// <summary>The terminate signal as a step-shaped task, so it can wait in the same WhenAny as the steps.</summary>
    static async Task<StepOutcome> Completion(Task<string> signal)
    {
        await signal;
        return null!;
    }

    static async Task<StepOutcome> Signal(Task timer)
    {
        await timer;
        return null!;
    }

    Task<StepOutcome>[] TerminateSignal(bool seen) => seen ? [] : [Completion(terminate.Task)];

    Task<StepOutcome>[] SlaSignal() => slaPassed is { } signal ? [signal] : [];

    DateTime Slot => run!.ScheduledSlot ?? run.RequestedAt;

    /// <summary>
    /// The SLA has passed: every entity of this run whose data is not yet visible is late, told now rather than when
    /// (or if) it is finally catalogued.
    /// </summary>
    void VisibilitySlaPassed(OrchestrationContext context)
    {
        slaPassed = null;
        var listed = ListedEntities();
        foreach (var entity in VisibleEntities().Where(listed.Add).ToList())
        {
            visibility.Add(new EntityVisibility(entity, null, null, Late: true));
            VisibilityLate(context, entity, cataloguedAt: null);
        }
    }

    /// <summary>Logs and notifies (<c>entity.visibility_late</c>) once per entity, when it is first known to be late.</summary>
    void VisibilityLate(OrchestrationContext context, string entity, DateTime? cataloguedAt)
    {
        var pipeline = run!.Pipeline;
        Log(context, context.OrchestrationInstance.InstanceId, log => log.EntityVisibilityLate(pipeline.Name, entity, pipeline.VisibilitySla!.Value));
        notifications?.Raise(NotificationEvents.EntityVisibilityLate, StepIds.Entity(entity), new
        {
            runId = context.OrchestrationInstance.InstanceId,
            pipeline = pipeline.Name,
            entity,
            slot = Slot,
            visibilitySlaSeconds = pipeline.VisibilitySla!.Value.TotalSeconds,
            cataloguedAt,
        });
    }

    /// <summary>
    /// The entities whose data this run makes visible: those whose job it runs (a reused one was made visible before;
    /// one skipped for no new data has nothing new to show).
    /// </summary>
    IEnumerable<string> VisibleEntities() =>
        steps.Where(s => s.Kind == StepKind.EntityJob && s.State != StepState.Reused && !s.SkippedNoNewData).Select(s => s.Name);

    /// <summary>A clean crawl succeeded: the entities it catalogued (its own lane, or every entity whose job succeeded) are visible.</summary>
    void Catalogued(OrchestrationContext context, StepOutcome crawl)
    {
        if (crawl.State != StepState.Succeeded || crawl.EndedAt is not { } at)
        {
            return;
        }

        // The pipeline's crawl catalogs every job this run succeeded with (a reused one was made visible before).
        var entities = crawl.Kind == StepKind.EntityCleanCrawler
            ? [crawl.Name]
            : steps.Where(s => s.Kind == StepKind.EntityJob && s.State == StepState.Succeeded).Select(s => s.Name).ToList();
        var pipeline = run!.Pipeline;

        // The pipeline's crawl looks up every entity of the run: by a map, not a search of the list for each.
        var places = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < visibility.Count; i++)
        {
            places.TryAdd(visibility[i].Entity, i);
        }

        foreach (var entity in entities)
        {
            var index = places.TryGetValue(entity, out var place) ? place : -1;
            if (index >= 0 && visibility[index].CataloguedAt is not null)
            {
                continue;
            }

            var lag = (at - Slot).TotalSeconds;
            var seen = new EntityVisibility(entity, at, lag, pipeline.VisibilitySla is { } sla && lag > sla.TotalSeconds);
            if (index >= 0)
            {
                visibility[index] = seen with { Late = true };
            }
            else
            {
                places.TryAdd(entity, visibility.Count);
                visibility.Add(seen);
                if (seen.Late)
                {
                    VisibilityLate(context, entity, at);
                }
            }

            Log(context, context.OrchestrationInstance.InstanceId, log => log.EntityVisible(pipeline.Name, entity, lag));
            if (!context.IsReplaying)
            {
                metrics?.EntityVisible(pipeline.Name, entity, lag);
            }
        }
    }

    /// <summary>The run ends: entities never catalogued are listed too, late when the SLA has passed.</summary>
    void FinishVisibility(OrchestrationContext context)
    {
        var sla = run!.Pipeline.VisibilitySla;

        // An SLA that passed before an entity's new-data check answered listed it as late; it had nothing to show.
        visibility.RemoveAll(v => Find(StepIds.Entity(v.Entity)) is { SkippedNoNewData: true });
        var listed = ListedEntities();
        foreach (var entity in VisibleEntities().Where(listed.Add).ToList())
        {
            visibility.Add(new EntityVisibility(entity, null, null, sla is { } limit && context.CurrentUtcDateTime - Slot > limit));
        }
    }

    /// <summary>The entities <see cref="visibility"/> lists already, to look each of a run's 1,000 up at once.</summary>
    HashSet<string> ListedEntities() => visibility.Select(v => v.Entity).ToHashSet(StringComparer.Ordinal);

    StepOutcome Initial(string id, StepKind kind, string name, string? resource, Dictionary<string, StepOutcome> reused) =>
        reused.TryGetValue(id, out var previous) && previous.Succeeded
            ? previous with { State = StepState.Reused }
            : StepOutcome.Pending(id, kind, name, resource);

    /// <summary>A crawl step that is not run because no entity it would catalog has new data.</summary>
    static StepOutcome NothingNew(OrchestrationContext context, StepOutcome step) =>
        step with { State = StepState.Skipped, EndedAt = context.CurrentUtcDateTime, ErrorClass = AttemptStates.NoNewDataClass, ErrorMessage = AttemptStates.NoNewDataReason };

    void Add(StepOutcome step)
    {
        // The first step of an id wins, as the list search did.
        stepIndex.TryAdd(step.Id, steps.Count);
        steps.Add(step);
    }

    StepOutcome? Find(string id) => stepIndex.TryGetValue(id, out var index) ? steps[index] : null;

    void Update(StepOutcome outcome) => steps[stepIndex[outcome.Id]] = outcome;

    void Finished(OrchestrationContext context, string pipeline, StepOutcome outcome)
    {
        Update(outcome);
        if (outcome.Kind is StepKind.CleanCrawler or StepKind.EntityCleanCrawler)
        {
            Catalogued(context, outcome);
        }

        notifications?.StepFinished(outcome);
        if (!context.IsReplaying)
        {
            metrics?.StepFinished(pipeline, outcome);
        }
    }

    string FailureSummary() => string.Join("; ", steps.Where(s => s.State is StepState.Failed or StepState.Stopped)
        .Select(s => $"{s.Name}: {s.ErrorClass} {s.ErrorMessage}".Trim()));

    void Log(OrchestrationContext context, string runId, Action<ILogger> write) =>
        ReplaySafeLog.Write(logger, context, runId, step: null, write);
}
