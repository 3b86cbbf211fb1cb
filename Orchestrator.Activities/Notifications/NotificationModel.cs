namespace Orchestrator.Activities.Notifications;

/// <summary>
/// An event as the run raised it, fixed in the run's history: the same id, time and data on every replay and every
/// delivery attempt, so a receiver can dedupe by <see cref="Id"/>. <see cref="Data"/> is JSON text.
/// </summary>
public sealed record NotificationEvent(string Id, string Type, string Source, string Subject, DateTime Time, string Data)
{
    /// <summary>The CloudEvent type: <see cref="NotificationEvents.TypePrefix"/> and the short name.</summary>
    [Newtonsoft.Json.JsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public string CloudEventType => NotificationEvents.TypePrefix + Type;
}

/// <summary>The <paramref name="Number"/>-th event a run raised, to hand to every subscription that wants it.</summary>
public sealed record WebhookDeliveryStart(string RunId, string Pipeline, int Number, NotificationEvent Event);

/// <summary>A subscription as a run sees it: no secret (that stays in configuration and is read when sending).</summary>
public sealed record WebhookTarget(string Name, string Url, IReadOnlyList<string> Events);

/// <summary>The subscriptions that apply to one pipeline's runs, with the delivery policy.</summary>
public sealed record WebhookPlan(IReadOnlyList<WebhookTarget> Targets, WebhookRetry Retry)
{
    public IEnumerable<WebhookTarget> For(string eventType) =>
        Targets.Where(t => t.Events.Contains(NotificationEvents.Any) || t.Events.Contains(eventType, StringComparer.Ordinal));
}

/// <summary>Attempts, back-off (full jitter between half and all of the delay) and the timeout of one POST.</summary>
public sealed record WebhookRetry(int MaxAttempts, TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan Timeout)
{
    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based); <paramref name="draw"/> is in [0, 1).</summary>
    public TimeSpan DelayAfter(int attempt, double draw)
    {
        var full = Math.Min(MaxDelay.Ticks, FirstDelay.Ticks * Math.Pow(2, attempt - 1));
        return TimeSpan.FromTicks((long)(full * (0.5 + (draw / 2))));
    }
}

public enum WebhookDeliveryState
{
    Pending,
    Retrying,
    Delivered,
    GivenUp,
}

/// <summary>One POST: when, how long, and the status code (2xx delivered) or the error that stood in for one.</summary>
public sealed record WebhookAttempt(int Number, DateTime StartedAt, double DurationMs, int? StatusCode, string? Error)
{
    [Newtonsoft.Json.JsonIgnore]
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>A delivery of one event to one subscription as it stands: every attempt, and the next one if any.</summary>
public sealed record WebhookDelivery(
    string EventId,
    string EventType,
    string Subject,
    string Webhook,
    string Url,
    WebhookDeliveryState State,
    IReadOnlyList<WebhookAttempt> Attempts,
    DateTime? NextAttemptAt)
{
    [Newtonsoft.Json.JsonIgnore]
    public int? LastStatusCode => Attempts.LastOrDefault()?.StatusCode;
}

/// <summary>What the delivery orchestration starts with: the event, the subscription (by name) and the policy.</summary>
public sealed record WebhookDeliveryInput(NotificationEvent Event, WebhookTarget Webhook, WebhookRetry Retry);

/// <summary>One POST of a delivery; the activity reads the secret by webhook name from configuration.</summary>
public sealed record WebhookPost(NotificationEvent Event, string Webhook, string Url, TimeSpan Timeout, int Attempt);
