using System.Globalization;
using System.Text.Json;
using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Notifications;

namespace Orchestrator.Activities.Costs;

/// <summary>
/// Raises <c>budget.exceeded</c> to the webhooks that want it, once per pipeline and day: the event's deliveries are
/// instances named by the pipeline and the day (<c>{pipeline}@budget-{yyyyMMdd}/webhook/…</c>), so every later check
/// that day, on this host or another, finds them started and raises nothing again.
/// </summary>
public sealed partial class BudgetAlerts(
    IOrchestrationServiceClient client,
    WebhookSubscriptions subscriptions,
    TimeProvider time,
    ILogger<BudgetAlerts> logger)
{
    static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);

    readonly TaskHubClient hub = new(client);

    /// <summary>The pseudo run id a day's budget event is delivered under.</summary>
    public static string DayId(string pipeline, DateOnly day) => string.Create(CultureInfo.InvariantCulture, $"{pipeline}@budget-{day:yyyyMMdd}");

    public async Task RaiseAsync(BudgetCheck check)
    {
        if (!check.Exceeded)
        {
            return;
        }

        var dayId = DayId(check.Pipeline, check.Day);
        var data = JsonSerializer.Serialize(new
        {
            pipeline = check.Pipeline,
            day = check.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            timeZone = check.TimeZone,
            usedDpuHours = check.Used.DpuHours,
            dailyDpuHours = check.DailyDpuHours,
            estimatedCost = check.Used.Cost,
            action = check.Action?.ToString(),
            reason = check.Reason,
        }, DataJson);
        var raised = new NotificationEvent($"{dayId}/{NotificationEvents.BudgetExceeded}", NotificationEvents.BudgetExceeded,
            $"/pipelines/{check.Pipeline}", check.Pipeline, time.GetUtcNow().UtcDateTime, data);
        try
        {
            await StartWebhookDeliveriesActivity.StartAsync(hub, subscriptions, new WebhookDeliveryStart(dayId, check.Pipeline, 1, raised), logger);
            LogBudgetExceeded(logger, check.Pipeline, check.Reason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An alert that cannot be started now is tried again at the next check; it never stops a slot or a run.
            LogAlertFailed(logger, ex, check.Pipeline);
        }
    }

    [LoggerMessage(EventId = 2700, Level = LogLevel.Warning, Message = "Pipeline {Pipeline} is {BudgetReason}")]
    static partial void LogBudgetExceeded(ILogger logger, string pipeline, string budgetReason);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Warning, Message = "The budget.exceeded event of {Pipeline} could not be raised; trying again at the next check")]
    static partial void LogAlertFailed(ILogger logger, Exception exception, string pipeline);
}
