namespace Orchestrator.Activities.Notifications;

/// <summary><c>Orchestrator:Notifications</c>: webhook subscriptions and how their deliveries are retried.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Orchestrator:Notifications";

    public List<WebhookOptions> Webhooks { get; } = [];

    public WebhookDeliveryOptions Delivery { get; set; } = new();
}

/// <summary>One subscription: where to POST, which events, the signing secret, and optionally which pipelines.</summary>
public sealed class WebhookOptions
{
    /// <summary>Names the subscription in delivery records; defaults to its position in the list (0, 1, …).</summary>
    public string? Name { get; set; }

    /// <summary>https, or http to a loopback address (tests, a local relay).</summary>
    public string? Url { get; set; }

    public List<string> Events { get; } = [];

    /// <summary>Key of the HMAC-SHA256 signature of every body; set it from the environment or a secret store, not the file.</summary>
    public string? Secret { get; set; }

    /// <summary>Only events of these pipelines; empty for all.</summary>
    public List<string> Pipelines { get; } = [];
}

/// <summary>Each delivery is one POST per attempt with this timeout, retried with growing, jittered delays up to MaxAttempts.</summary>
public sealed class WebhookDeliveryOptions
{
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
