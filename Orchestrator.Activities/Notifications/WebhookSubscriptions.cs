using Microsoft.Extensions.Options;

namespace Orchestrator.Activities.Notifications;

/// <summary>The configured webhooks: which apply to a pipeline, and a webhook's secret when a delivery signs its body.</summary>
public sealed class WebhookSubscriptions(IOptions<NotificationOptions> options)
{
    public static string NameOf(WebhookOptions hook, int index) => string.IsNullOrWhiteSpace(hook.Name) ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : hook.Name.Trim();

    public WebhookPlan PlanFor(string pipeline)
    {
        var value = options.Value;
        var targets = value.Webhooks
            .Select((hook, i) => (hook, i))
            .Where(h => h.hook.Pipelines.Count == 0 || h.hook.Pipelines.Contains(pipeline, StringComparer.OrdinalIgnoreCase))
            .Select(h => new WebhookTarget(NameOf(h.hook, h.i), h.hook.Url!, [.. h.hook.Events.Select(e => e.Trim().ToLowerInvariant())]))
            .ToList();
        var d = value.Delivery;
        return new WebhookPlan(targets, new WebhookRetry(d.MaxAttempts, d.FirstDelay, d.MaxDelay, d.Timeout));
    }

    /// <summary>The secret of the webhook named <paramref name="name"/>, or null when it is no longer configured.</summary>
    public string? SecretOf(string name) =>
        options.Value.Webhooks.Select((hook, i) => (hook, i)).FirstOrDefault(h => string.Equals(NameOf(h.hook, h.i), name, StringComparison.OrdinalIgnoreCase)).hook?.Secret;
}
