using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Notifications;

namespace Orchestrator.Tests.Costs;

/// <summary><c>budget.exceeded</c> reaches a real webhook receiver once per pipeline and day, however often the budget is found spent.</summary>
public sealed class BudgetNotificationTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_spent_budget_is_notified_once_a_day_with_what_was_used()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => ReceiverAnswer.Ok);
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            WebhookNotificationTests.Subscribe(orchestrator, receiver.Url, ["budget.exceeded"], maxAttempts: 3, timeout: "00:00:05");
            orchestrator["Pipelines"]!["data-preparation"]!["Budget"] = new JsonObject { ["DailyDpuHours"] = 0.5 };
        });
        var first = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "first" }, Token);
        await ApiPolling.UntilFinishedAsync(host.Client, first.Headers.Location!.ToString());

        var second = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "second" }, Token);
        await ApiPolling.UntilFinishedAsync(host.Client, second.Headers.Location!.ToString());
        await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "third" }, Token);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Posts.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Token);
        }

        await Task.Delay(1000, Token);
        var posted = Assert.Single(receiver.Posts.GroupBy(p => p.EventId)).First().Event;
        Assert.Equal("dev.orchestrator.budget.exceeded", posted["type"]!.GetValue<string>());
        Assert.Equal("/pipelines/data-preparation", posted["source"]!.GetValue<string>());
        var data = posted["data"]!;
        Assert.Equal("data-preparation", data["pipeline"]!.GetValue<string>());
        Assert.Equal(0.5, data["dailyDpuHours"]!.GetValue<double>());
        Assert.Equal(2760 / 3600.0, data["usedDpuHours"]!.GetValue<double>(), 9);
        Assert.Equal("Alert", data["action"]!.GetValue<string>());
    }
}
