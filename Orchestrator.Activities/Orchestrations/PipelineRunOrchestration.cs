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
/// clean crawler when CleanCrawlerWhen allows. Each step is a sub-orchestration; the run's custom status lists
/// the steps as they stand and its output is the <see cref="RunResult"/>. A "terminate" event stops the steps
/// in flight (their Glue runs included) and ends the run Terminated with every step's last state.
/// </summary>
public sealed class PipelineRunOrchestration(ILoggerFactory? loggerFactory = null, RunMetrics? metrics = null) : TaskOrchestration<RunResult, PipelineRunInput, string, RunProgress>
{
    /// <summary>The event that asks a run to stop; its data is the reason.</summary>
    public const string TerminateEvent = "terminate";

    readonly TaskCompletionSource<string> terminate = new();
    readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PipelineRunOrchestration>();
    readonly List<StepOutcome> steps = [];
    bool stopping;
    RunResult? result;
    RunNotifications? notifications;

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

    public override RunProgress OnGetStatus() => new(steps.Select(StepSummary.Of).ToList(), stopping, result?.Status, result?.Message);

    public override async Task<RunResult> RunTask(OrchestrationContext context, PipelineRunInput input)
    {
        var runId = context.OrchestrationInstance.InstanceId;
        var pipeline = input.Pipeline;
        var reused = (input.ReusedSteps ?? []).ToDictionary(s => s.Id);
        if (pipeline.RawCrawler is { } raw)
        {
            steps.Add(Initial(StepIds.RawCrawler, StepKind.RawCrawler, raw, raw, reused));
        }

        steps.AddRange(input.SelectedEntities.Select(e => Initial(StepIds.Entity(e.Name), StepKind.EntityJob, e.Name, e.Job, reused)));
        if (pipeline.CleanCrawler is { } clean)
        {
            // The clean crawl is reused only if no entity runs again: a rerun's partitions must reach the catalog.
            var entitiesReused = steps.Where(s => s.Kind == StepKind.EntityJob).All(s => s.State == StepState.Reused);
            steps.Add(entitiesReused
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
            var entities = steps.Where(s => s.Kind == StepKind.EntityJob).ToList();
            var allowed = pipeline.CleanCrawlerWhen == CleanCrawlerCondition.AllSucceeded
                ? entities.All(s => s.Succeeded)
                : entities.Count == 0 || entities.Any(s => s.Succeeded);
            if (allowed && rawOk)
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

        var status = stopping ? RunStatus.Terminated : steps.All(s => s.Succeeded) ? RunStatus.Succeeded : RunStatus.Failed;
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

        result = new RunResult(status, [.. steps], input.DefinitionHash, message);
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
        var terminateSeen = false;
        while (true)
        {
            if (!terminateSeen && terminate.Task.IsCompleted)
            {
                terminateSeen = true;
                Stop(context, runId, running.Values);
            }

            while (!stopping && pending.Count > 0 && running.Count < input.Pipeline.MaxParallelJobs)
            {
                var entity = pending.Dequeue();
                var stepId = StepIds.Entity(entity.Name);
                Update(Find(stepId)! with { State = StepState.Running, StartedAt = context.CurrentUtcDateTime });
                running[RunStepAsync(context, runId, stepId, typeof(EntityJobOrchestration), new EntityJobInput(runId, entity, input.Pipeline.Poll))] = stepId;
            }

            if (running.Count == 0)
            {
                return;
            }

            var first = terminateSeen
                ? await Task.WhenAny(running.Keys)
                : await Task.WhenAny([.. running.Keys, Completion(terminate.Task)]);
            if (running.Remove(first, out _))
            {
                Finished(context, input.Pipeline.Name, await first);
            }
        }
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
        if (await Task.WhenAny(crawl, Completion(terminate.Task)) != crawl)
        {
            Stop(context, runId, [step.Id]);
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

    StepOutcome Initial(string id, StepKind kind, string name, string? resource, Dictionary<string, StepOutcome> reused) =>
        reused.TryGetValue(id, out var previous) && previous.Succeeded
            ? previous with { State = StepState.Reused }
            : StepOutcome.Pending(id, kind, name, resource);

    StepOutcome? Find(string id) => steps.FirstOrDefault(s => s.Id == id);

    void Update(StepOutcome outcome) => steps[steps.FindIndex(s => s.Id == outcome.Id)] = outcome;

    void Finished(OrchestrationContext context, string pipeline, StepOutcome outcome)
    {
        Update(outcome);
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
