using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// Notification log events (EventIds 2200–2219: deliveries 2200–2209 here, the POST itself 2210 in
/// <see cref="DeliverWebhookActivity"/>, starts 2211 in <see cref="StartWebhookDeliveriesActivity"/>), written once per event through ReplaySafeLog.
/// </summary>
static partial class NotificationLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Delivered {EventType} {EventId} to webhook {Webhook}: HTTP {StatusCode} at attempt {Attempt}")]
    public static partial void Delivered(ILogger logger, string eventType, string eventId, string webhook, int statusCode, int attempt);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Delivery of {EventType} {EventId} to webhook {Webhook}: attempt {Attempt} failed ({Outcome}); next at {NextAttemptAt:o}")]
    public static partial void Retrying(ILogger logger, string eventType, string eventId, string webhook, int attempt, string outcome, DateTime nextAttemptAt);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "Gave up delivering {EventType} {EventId} to webhook {Webhook} after {Attempts} attempts; last: {Outcome}")]
    public static partial void GaveUp(ILogger logger, string eventType, string eventId, string webhook, int attempts, string outcome);
}
