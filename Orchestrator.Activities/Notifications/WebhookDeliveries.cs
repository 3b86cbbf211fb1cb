using DurableTask.Core.Query;
using Newtonsoft.Json;

namespace Orchestrator.Activities.Notifications;

/// <summary>A run's webhook deliveries as they stand, read from the delivery instances' custom status.</summary>
public sealed class WebhookDeliveries(IOrchestrationServiceQueryClient query)
{
    public async Task<IReadOnlyList<WebhookDelivery>> OfRunAsync(string runId, CancellationToken cancellationToken)
    {
        var deliveries = new List<(string Id, WebhookDelivery Delivery)>();
        var request = new OrchestrationQuery { InstanceIdPrefix = RunNotifications.DeliveryPrefix(runId), PageSize = 100, FetchInputsAndOutputs = false };
        do
        {
            var page = await query.GetOrchestrationWithQueryAsync(request, cancellationToken);
            foreach (var state in page.OrchestrationState)
            {
                if (!string.IsNullOrEmpty(state.Status) && Read(state.Status) is { } delivery)
                {
                    deliveries.Add((state.OrchestrationInstance.InstanceId, delivery));
                }
            }

            request.ContinuationToken = page.ContinuationToken;
        }
        while (request.ContinuationToken is not null);

        // Instance ids number the deliveries in the order the run raised them.
        return [.. deliveries.OrderBy(d => d.Id, StringComparer.Ordinal).Select(d => d.Delivery)];
    }

    static WebhookDelivery? Read(string json)
    {
        try
        {
            return JsonConvert.DeserializeObject<WebhookDelivery>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
