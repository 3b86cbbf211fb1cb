using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// Delivers one event to one webhook: a POST per attempt (<see cref="DeliverWebhookActivity"/>), durable timers with
/// growing, jittered delays between them, at most MaxAttempts. The delivery as it stands is the custom status, and
/// the output at the end: Delivered at the first 2xx, GivenUp after the last attempt. It never fails: a delivery is
/// reported, never thrown into the run. A host that dies mid-delivery resumes it from the store.
/// </summary>
public sealed class WebhookDeliveryOrchestration(ILoggerFactory? loggerFactory = null) : TaskOrchestration<WebhookDelivery, WebhookDeliveryInput, string, WebhookDelivery>
{
    readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<WebhookDeliveryOrchestration>();
    WebhookDelivery? status;

    public WebhookDeliveryOrchestration()
        : this(null)
    {
    }

    public override WebhookDelivery OnGetStatus() => status!;

    public override async Task<WebhookDelivery> RunTask(OrchestrationContext context, WebhookDeliveryInput input)
    {
        var instanceId = context.OrchestrationInstance.InstanceId;
        var e = input.Event;
        var attempts = new List<WebhookAttempt>();
        status = new WebhookDelivery(e.Id, e.Type, e.Subject, input.Webhook.Name, input.Webhook.Url, WebhookDeliveryState.Pending, [], context.CurrentUtcDateTime);
        for (var number = 1; number <= input.Retry.MaxAttempts; number++)
        {
            var attempt = await PostAsync(context, new WebhookPost(e, input.Webhook.Name, input.Webhook.Url, input.Retry.Timeout, number));
            attempts.Add(attempt);
            if (attempt.Delivered)
            {
                Log(context, instanceId, () => NotificationLog.Delivered(logger, e.Type, e.Id, input.Webhook.Name, attempt.StatusCode!.Value, number));
                return status = status with { State = WebhookDeliveryState.Delivered, Attempts = [.. attempts], NextAttemptAt = null };
            }

            if (number == input.Retry.MaxAttempts)
            {
                break;
            }

            var next = context.CurrentUtcDateTime + input.Retry.DelayAfter(number, DeterministicDraw.For($"{instanceId}/{number}"));
            status = status with { State = WebhookDeliveryState.Retrying, Attempts = [.. attempts], NextAttemptAt = next };
            Log(context, instanceId, () => NotificationLog.Retrying(logger, e.Type, e.Id, input.Webhook.Name, number, Describe(attempt), next));
            await context.CreateTimer(next, true);
        }

        Log(context, instanceId, () => NotificationLog.GaveUp(logger, e.Type, e.Id, input.Webhook.Name, attempts.Count, Describe(attempts[^1])));
        return status = status with { State = WebhookDeliveryState.GivenUp, Attempts = [.. attempts], NextAttemptAt = null };
    }

    static async Task<WebhookAttempt> PostAsync(OrchestrationContext context, WebhookPost post)
    {
        try
        {
            return await context.ScheduleTask<WebhookAttempt>(typeof(DeliverWebhookActivity), post);
        }
        catch (TaskFailedException ex)
        {
            // The activity reports HTTP failures as attempts; this is a crash of the activity itself.
            return new WebhookAttempt(post.Attempt, context.CurrentUtcDateTime, 0, null, ex.InnerException?.Message ?? ex.Message);
        }
    }

    static string Describe(WebhookAttempt attempt) => attempt.StatusCode is { } code ? $"HTTP {code}" : attempt.Error ?? "no answer";

    void Log(OrchestrationContext context, string instanceId, Action write) =>
        ReplaySafeLog.Write(logger, context, instanceId[..Math.Max(0, instanceId.IndexOf("/webhook/", StringComparison.Ordinal))], step: null, _ => write());
}
