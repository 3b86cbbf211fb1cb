using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// Starts a <see cref="WebhookDeliveryOrchestration"/> per subscription that wants the event, each under an id fixed by
/// the run and the event's number (<c>{runId}/webhook/{n}-{name}</c>), with the subscriptions as configured now. An
/// activity runs at least once: a start that already happened is found by its id and skipped, so a crash between the
/// starts and the activity's completion neither loses nor doubles a delivery. Returns how many webhooks apply to the
/// pipeline at all (whatever the event): a run whose first event finds none raises the rest without this activity.
/// </summary>
public sealed partial class StartWebhookDeliveriesActivity(
    IOrchestrationServiceClient client,
    WebhookSubscriptions subscriptions,
    ILogger<StartWebhookDeliveriesActivity> logger) : AsyncTaskActivity<WebhookDeliveryStart, int>
{
    static readonly OrchestrationStatus[] AnyStatus = Enum.GetValues<OrchestrationStatus>();

    readonly TaskHubClient hub = new(client);

    protected override Task<int> ExecuteAsync(TaskContext context, WebhookDeliveryStart input) =>
        StartAsync(hub, subscriptions, input, logger);

    /// <summary>
    /// Starts the deliveries of one event under ids fixed by <see cref="WebhookDeliveryStart.RunId"/> and its number, so
    /// starting them again (a retried activity, another replica) starts nothing twice. Returns how many webhooks apply
    /// to the pipeline.
    /// </summary>
    public static async Task<int> StartAsync(TaskHubClient hub, WebhookSubscriptions subscriptions, WebhookDeliveryStart input, ILogger logger)
    {
        var plan = subscriptions.PlanFor(input.Pipeline);
        foreach (var target in plan.For(input.Event.Type))
        {
            var instanceId = $"{RunNotifications.DeliveryPrefix(input.RunId)}{input.Number:D3}-{target.Name}";
            try
            {
                await hub.CreateOrchestrationInstanceAsync(typeof(WebhookDeliveryOrchestration), instanceId, new WebhookDeliveryInput(input.Event, target, plan.Retry), AnyStatus);
            }
            catch (OrchestrationAlreadyExistsException)
            {
                LogAlreadyStarted(logger, instanceId);
            }
        }

        return plan.Targets.Count;
    }

    [LoggerMessage(EventId = 2211, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} was already started; not starting it again")]
    static partial void LogAlreadyStarted(ILogger logger, string deliveryId);
}
