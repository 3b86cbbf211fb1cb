using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// The run's side of notifications, replay-safe: it raises events (id, time and data fixed by the run's history) and
/// hands each to <see cref="StartWebhookDeliveriesActivity"/>, which starts one <see cref="WebhookDeliveryOrchestration"/>
/// per subscription as an instance of its own (<c>{runId}/webhook/{n}-{name}</c>), not a sub-orchestration:
/// DurableTask.Core keeps an orchestration open until its sub-orchestrations end, and a dead endpoint must never hold
/// the run. The run waits only for those starts (a local write each), never for a delivery.
/// </summary>
public sealed class RunNotifications
{
    static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);

    // A few quick tries: the start is a write to the run's own store.
    static readonly RetryOptions StartRetry = new(TimeSpan.FromSeconds(1), 5) { BackoffCoefficient = 2 };

    readonly OrchestrationContext context;
    readonly string runId;
    readonly string pipeline;
    readonly List<Task> dispatches = [];
    readonly HashSet<string> raised = new(StringComparer.Ordinal);
    readonly CancellationTokenSource deadline = new();

    // The first event's start answers how many webhooks apply to this pipeline; with none, later events skip the activity.
    Task<int>? subscribed;

    RunNotifications(OrchestrationContext context, string runId, string pipeline)
    {
        this.context = context;
        this.runId = runId;
        this.pipeline = pipeline;
    }

    /// <summary>The instance-id prefix of a run's deliveries.</summary>
    public static string DeliveryPrefix(string runId) => $"{runId}/webhook/";

    /// <summary>Raises <c>run.started</c> and arms <c>run.past_deadline</c> at RequestedAt + RunDeadline.</summary>
    public static RunNotifications Start(OrchestrationContext context, string runId, PipelineRunInput input)
    {
        var notifications = new RunNotifications(context, runId, input.Pipeline.Name);
        notifications.Raise(NotificationEvents.RunStarted, null, new
        {
            runId,
            pipeline = input.Pipeline.Name,
            kind = input.Kind.ToString(),
            requestedAt = input.RequestedAt,
            scheduledSlot = input.ScheduledSlot,
            originRunId = input.OriginRunId,
            entities = input.SelectedEntities.Select(e => e.Name).ToList(),
            reason = input.Reason,
        });
        // Not awaited at the end: the run ends without waiting for its deadline; a late timer finds the run finished and is dropped.
        _ = notifications.WatchDeadlineAsync(input);
        return notifications;
    }

    /// <summary>
    /// Raises <paramref name="type"/> (one of <see cref="NotificationEvents"/>) about the run, or about one of its
    /// steps when <paramref name="stepId"/> is given, with <paramref name="data"/> as the CloudEvent's JSON data. Call
    /// it from orchestration code only: the event's id and time come from the run's history.
    /// </summary>
    public void Raise(string type, string? stepId, object data)
    {
        var subject = stepId is null ? runId : RunIds.Step(runId, stepId);
        var id = $"{subject}/{type}";
        for (var n = 2; !raised.Add(id); n++)
        {
            id = $"{subject}/{type}#{n}";
        }

        var raisedEvent = new NotificationEvent(id, type, $"/pipelines/{pipeline}", subject, context.CurrentUtcDateTime, JsonSerializer.Serialize(data, DataJson));
        var start = new WebhookDeliveryStart(runId, pipeline, raised.Count, raisedEvent);
        dispatches.Add(subscribed is null ? subscribed = StartDeliveriesAsync(start) : WhenSubscribedAsync(start));
    }

    /// <summary><c>step.failed</c> for a failed step; <c>partitions.changed</c> for an entity step that touched clean partitions.</summary>
    public void StepFinished(StepOutcome step)
    {
        if (step.State == StepState.Failed)
        {
            Raise(NotificationEvents.StepFailed, step.Id, new
            {
                runId,
                pipeline,
                step = step.Id,
                kind = step.Kind.ToString(),
                name = step.Name,
                resource = step.Resource,
                errorClass = step.ErrorClass,
                errorMessage = step.ErrorMessage,
                attempts = step.Attempts.Count,
            });
        }

        if (step is { State: StepState.Succeeded, Kind: StepKind.EntityJob } && step.PartitionsTouched.Count > 0)
        {
            var details = step.Attempts.Last(a => a.Details is not null);
            Raise(NotificationEvents.PartitionsChanged, step.Id, new
            {
                runId,
                pipeline,
                entity = step.Name,
                glueRunId = details.GlueRunId,
                partitions = step.PartitionsTouched,
                added = details.Details!.PartitionsAdded,
                updated = details.Details.PartitionsUpdated,
                rowsWritten = details.Details.RowsWritten,
            });
        }
    }

    /// <summary>
    /// Raises the run's final event and waits until every delivery is started (not finished). Disarms the deadline: a
    /// cancelled timer no longer holds the run open, and when it fires later the store drops it for a finished run.
    /// </summary>
    public async Task EndAsync(RunResult result, PipelineRunInput input)
    {
        var type = result.Status switch
        {
            RunStatus.Succeeded => NotificationEvents.RunSucceeded,
            RunStatus.Terminated => NotificationEvents.RunTerminated,
            _ => NotificationEvents.RunFailed,
        };
        Raise(type, null, new
        {
            runId,
            pipeline,
            kind = input.Kind.ToString(),
            status = result.Status.ToString(),
            requestedAt = input.RequestedAt,
            endedAt = context.CurrentUtcDateTime,
            message = result.Message,
            failedSteps = result.Steps.Where(s => s.State is StepState.Failed or StepState.Stopped).Select(s => s.Id).ToList(),
            partitions = result.Steps.Where(s => s.Kind == StepKind.EntityJob && s.State == StepState.Succeeded)
                .ToDictionary(s => s.Name, s => s.PartitionsTouched),
        });

        // Synchronous on purpose, as in StepOrchestration.WaitUntilAsync: orchestration code never awaits real work.
#pragma warning disable CA1849
        deadline.Cancel();
#pragma warning restore CA1849
        await Task.WhenAll([.. dispatches]);
    }

    async Task WatchDeadlineAsync(PipelineRunInput input)
    {
        var dueAt = input.RequestedAt + input.Pipeline.RunDeadline;
        try
        {
            await context.CreateTimer(dueAt, true, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Raise(NotificationEvents.RunPastDeadline, null, new
        {
            runId,
            pipeline,
            kind = input.Kind.ToString(),
            requestedAt = input.RequestedAt,
            deadline = dueAt,
            runDeadlineSeconds = input.Pipeline.RunDeadline.TotalSeconds,
        });
    }

    async Task<int> StartDeliveriesAsync(WebhookDeliveryStart start)
    {
        try
        {
            return await context.ScheduleWithRetry<int>(typeof(StartWebhookDeliveriesActivity), StartRetry, start);
        }
        catch (TaskFailedException)
        {
            // The store refused five times: the run goes on (the worker logs the failure); later events still try.
            return -1;
        }
    }

    async Task WhenSubscribedAsync(WebhookDeliveryStart start)
    {
        if (await subscribed! != 0)
        {
            await StartDeliveriesAsync(start);
        }
    }
}
