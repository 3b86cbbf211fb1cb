using System.Net.Http.Headers;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// One POST of a CloudEvent (structured JSON) to a webhook, signed with its secret. Never throws for the endpoint's
/// sake: a status code, a timeout or a connection error is the attempt's result, and the orchestration decides what
/// follows. Redirects are not followed (the client is built with AllowAutoRedirect off): a 3xx is a failed attempt.
/// </summary>
public sealed partial class DeliverWebhookActivity(
    IHttpClientFactory httpClients,
    WebhookSubscriptions subscriptions,
    TimeProvider time,
    ILogger<DeliverWebhookActivity> logger) : AsyncTaskActivity<WebhookPost, WebhookAttempt>
{
    public const string HttpClientName = "webhooks";

    static readonly JsonEventFormatter Formatter = new();

    protected override async Task<WebhookAttempt> ExecuteAsync(TaskContext context, WebhookPost input)
    {
        var startedAt = time.GetUtcNow().UtcDateTime;
        var started = time.GetTimestamp();
        WebhookAttempt Attempt(int? status, string? error) => new(input.Attempt, startedAt, Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1), status, error);

        if (subscriptions.SecretOf(input.Webhook) is not { Length: > 0 } secret)
        {
            return Attempt(null, $"webhook '{input.Webhook}' is no longer configured (or has no secret); nothing was sent");
        }

        var body = Body(input.Event);
        using var request = new HttpRequestMessage(HttpMethod.Post, input.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/cloudevents+json; charset=utf-8");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Of(body, secret));
        request.Headers.Add("X-Orchestrator-Event-Id", input.Event.Id);
        request.Headers.Add("X-Orchestrator-Attempt", input.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Orchestrator-Webhook", "1"));
        using var timeout = new CancellationTokenSource(input.Timeout, time);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            var error = code is >= 300 and < 400 ? $"redirect to {response.Headers.Location?.ToString() ?? "(no Location)"} not followed"
                : code is >= 200 and < 300 ? null
                : $"HTTP {code} {response.ReasonPhrase}".Trim();
            return Attempt(code, error);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Attempt(null, $"no answer within {input.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            LogPostFailed(logger, ex, input.Webhook, input.Event.Id);
            return Attempt(null, ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}");
        }
    }

    /// <summary>The event as CloudEvents 1.0 structured JSON: the same bytes on every attempt.</summary>
    public static byte[] Body(NotificationEvent notification)
    {
        using var data = JsonDocument.Parse(notification.Data);
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = notification.Id,
            Type = notification.CloudEventType,
            Source = new Uri(notification.Source, UriKind.RelativeOrAbsolute),
            Subject = notification.Subject,
            Time = new DateTimeOffset(DateTime.SpecifyKind(notification.Time, DateTimeKind.Utc)),
            DataContentType = "application/json",
            Data = data.RootElement.Clone(),
        };
        return Formatter.EncodeStructuredModeMessage(cloudEvent, out _).ToArray();
    }

    [LoggerMessage(EventId = 2210, Level = LogLevel.Debug, Message = "POST of event {EventId} to webhook {Webhook} failed")]
    static partial void LogPostFailed(ILogger logger, Exception exception, string webhook, string eventId);
}
