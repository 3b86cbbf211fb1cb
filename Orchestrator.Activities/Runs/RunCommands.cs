using System.Collections.Concurrent;
using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Pipelines;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Starting and steering runs: trigger, scheduled start, replay, redrive and terminate. Every change goes through the
/// durable store (a new instance, an event, a terminate message), never to Glue directly: Glue resources are stopped
/// by the orchestrations' own activities, so a stop is recorded and retried like any other step of a run.
/// </summary>
public sealed partial class RunCommands(
    IOrchestrationServiceClient client,
    RunQueries runs,
    RunListingCache listings,
    TimeProvider time,
    ILogger<RunCommands> logger,
    Random? random = null)
{
    readonly TaskHubClient hub = new(client);
    readonly Random random = random ?? Random.Shared;
    readonly ConcurrentDictionary<string, SemaphoreSlim> starting = new(StringComparer.OrdinalIgnoreCase);

    DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Starts a manual run, or refuses with a reason (unknown pipeline or entity, or an active run under Skip).</summary>
    public async Task<string> StartAsync(string pipelineName, StartRunRequest request, CancellationToken cancellationToken = default)
    {
        var pipeline = runs.Pipeline(pipelineName);
        var entities = CheckEntities(pipeline, request.Entities);
        var input = new PipelineRunInput(pipeline, RunKind.Manual, Now, Entities: entities, Reason: request.Reason);
        return await StartUnscheduledAsync(input, "manual", cancellationToken);
    }

    /// <summary>Starts the run of a schedule slot; false when that slot was already started (by this host or another).</summary>
    public async Task<bool> StartScheduledAsync(PipelineDefinition pipeline, DateTime slotUtc)
    {
        try
        {
            await CreateAsync(RunIds.Scheduled(pipeline.Name, slotUtc), new PipelineRunInput(pipeline, RunKind.Scheduled, Now, ScheduledSlot: slotUtc),
                Enum.GetValues<OrchestrationStatus>());
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }

    /// <summary>A new run with the same input as <paramref name="runId"/>.</summary>
    public async Task<string> ReplayAsync(string runId, string? reason, CancellationToken cancellationToken = default)
    {
        var origin = await runs.GetAsync(runId, cancellationToken);
        var input = origin.Input ?? throw Unreadable(runId, origin, "replay");
        var replay = input with { Kind = RunKind.Replay, RequestedAt = Now, ScheduledSlot = null, ReusedSteps = null, OriginRunId = runId, Reason = reason ?? input.Reason };
        return await StartUnscheduledAsync(replay, "replay", cancellationToken);
    }

    /// <summary>A new run of a failed or terminated run that reuses its succeeded steps and reruns the rest.</summary>
    public async Task<string> RedriveAsync(string runId, string? reason, CancellationToken cancellationToken = default)
    {
        var origin = await runs.GetAsync(runId, cancellationToken);
        if (origin.Summary.Status is not (RunStatus.Failed or RunStatus.Terminated))
        {
            throw new RunRequestException(RunProblem.Conflict, $"Run '{runId}' is {origin.Summary.Status}: only failed or terminated runs can be redriven.");
        }

        var input = origin.Input ?? throw Unreadable(runId, origin, "redrive");
        var redrive = input with
        {
            Kind = RunKind.Redrive,
            RequestedAt = Now,
            ScheduledSlot = null,
            ReusedSteps = origin.Steps.Where(s => s.Succeeded).ToList(),
            OriginRunId = runId,
            Reason = reason ?? input.Reason,
        };
        return await StartUnscheduledAsync(redrive, "redrive", cancellationToken);
    }

    /// <summary>
    /// Asks a run to stop: it stops its steps' Glue runs and ends Terminated with every step's last state.
    /// <paramref name="force"/> is for a run that no longer responds: the run and its running steps are terminated
    /// by the store at once (their histories end with ExecutionTerminated and the reason), and a
    /// <see cref="ForceStopOrchestration"/> (<c>{runId}/force-stop</c>) stops the steps' Glue runs with the same
    /// activities a graceful stop uses.
    /// </summary>
    public async Task TerminateAsync(string runId, string? reason, bool force = false, CancellationToken cancellationToken = default)
    {
        var run = await runs.GetAsync(runId, cancellationToken);
        if (!run.Actions.CanTerminate)
        {
            throw new RunRequestException(RunProblem.Conflict, $"Run '{runId}' is {run.Summary.Status}: only a pending or running run can be terminated.");
        }

        var why = string.IsNullOrWhiteSpace(reason) ? "terminated by an operator" : reason;
        LogTerminating(runId, force ? "forced" : "graceful", why);
        if (!force)
        {
            await hub.RaiseEventAsync(new OrchestrationInstance { InstanceId = runId }, PipelineRunOrchestration.TerminateEvent, why);
        }
        else
        {
            var running = run.Steps.Where(s => s.State == StepState.Running).ToList();
            await hub.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = runId }, why);
            foreach (var step in running)
            {
                await hub.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = RunIds.Step(runId, step.Id) }, why);
            }

            var targets = running.Select(ForceStopTarget.Of).OfType<ForceStopTarget>().ToList();
            if (targets.Count > 0)
            {
                try
                {
                    await hub.CreateOrchestrationInstanceAsync(typeof(ForceStopOrchestration), RunIds.ForceStop(runId), new ForceStopInput(runId, why, targets));
                }
                catch (OrchestrationAlreadyExistsException)
                {
                    // A second force while the first is delivered: its stop is already under way.
                }
            }
        }

        listings.Invalidate();
    }

    /// <summary>
    /// Starts a manual, replay or redrive run. The Skip rule's check and the create happen under one lock per
    /// pipeline, so a double click cannot start two runs; across replicas the rule is best effort.
    /// </summary>
    async Task<string> StartUnscheduledAsync(PipelineRunInput input, string kind, CancellationToken cancellationToken)
    {
        var gate = starting.GetOrAdd(input.Pipeline.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await RefuseOverlapAsync(input.Pipeline, cancellationToken);
            return await CreateAsync(RunIds.Unscheduled(input.Pipeline.Name, kind, time.GetUtcNow(), random), input, [.. RunStatuses.Live]);
        }
        finally
        {
            gate.Release();
        }
    }

    async Task<string> CreateAsync(string runId, PipelineRunInput input, OrchestrationStatus[] dedupe)
    {
        var tags = new Dictionary<string, string>
        {
            ["pipeline"] = input.Pipeline.Name,
            ["kind"] = input.Kind.ToString(),
        };
        if (input.OriginRunId is { } origin)
        {
            tags["origin"] = origin;
        }

        if (input.ScheduledSlot is { } slot)
        {
            tags["slot"] = slot.ToString("O", CultureInfo.InvariantCulture);
        }

        await hub.CreateOrchestrationInstanceAsync(RunQueries.RunOrchestration, string.Empty, runId, input, tags, dedupe);
        listings.Invalidate();
        LogStarted(runId, input.Pipeline.Name, input.Kind);
        return runId;
    }

    /// <summary>
    /// The named entities as configured (null: all), or a refusal naming the unknown ones: <paramref name="unknownProblem"/>
    /// says how (a run request is invalid; a plan's entity is not found).
    /// </summary>
    public static IReadOnlyList<string>? CheckEntities(PipelineDefinition pipeline, IReadOnlyList<string>? entities, RunProblem unknownProblem = RunProblem.Invalid)
    {
        if (entities is not { Count: > 0 })
        {
            return null;
        }

        if (entities.Any(string.IsNullOrWhiteSpace))
        {
            throw new RunRequestException(RunProblem.Invalid,
                $"An entity name is empty or null; name entities of pipeline '{pipeline.Name}': {string.Join(", ", pipeline.Entities.Select(e => e.Name))}.",
                "entities");
        }

        var unknown = entities.Where(e => pipeline.FindEntity(e) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new RunRequestException(unknownProblem,
                $"Unknown entities for pipeline '{pipeline.Name}': {string.Join(", ", unknown)}. Its entities are: {string.Join(", ", pipeline.Entities.Select(e => e.Name))}.",
                "entities");
        }

        return entities.Select(e => pipeline.FindEntity(e)!.Name).Distinct().ToList();
    }

    async Task RefuseOverlapAsync(PipelineDefinition pipeline, CancellationToken cancellationToken)
    {
        if (pipeline.Overlap != OverlapPolicy.Skip)
        {
            return;
        }

        var active = await runs.ActiveRunsAsync(pipeline.Name, cancellationToken);
        if (active.Count > 0)
        {
            throw new RunRequestException(RunProblem.Conflict,
                $"Run '{active[0].RunId}' of pipeline '{pipeline.Name}' is still {active[0].Status} and the pipeline's Overlap policy is Skip: wait for it, terminate it, or set Overlap to Queue or Allow.");
        }
    }

    static RunRequestException Unreadable(string runId, RunDetails origin, string action) =>
        new(RunProblem.Conflict, $"Run '{runId}' has no readable input to {action}" +
            (origin.Unreadable is { Count: > 0 } why ? $" ({string.Join("; ", why)})." : "."));

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Started run {RunId} of {Pipeline} ({Kind})")]
    partial void LogStarted(string runId, string pipeline, RunKind kind);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Terminating run {RunId} ({Force}): {Reason}")]
    partial void LogTerminating(string runId, string force, string reason);
}
