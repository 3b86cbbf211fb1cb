using Orchestrator.Activities.Runs;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Notifications;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>The run page lists the run's webhook deliveries, each attempt with its status code, and follows them live.</summary>
[Collection(DashboardCollection.Name)]
public sealed class NotificationsPanelTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_run_page_shows_each_delivery_with_its_attempts_until_it_is_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => n == 1 ? ReceiverAnswer.ServerError : ReceiverAnswer.Ok);
        await using var host = await TestHost.StartAsync(orchestrator =>
            WebhookNotificationTests.Subscribe(orchestrator, receiver.Url, ["run.started", "run.succeeded"], maxAttempts: 3, timeout: "00:00:02"));
        var runId = await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(["customer"]), Token);

        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync($"/runs/{runId}");
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("✓ Succeeded", new() { Timeout = 60_000 });

        var rows = page.Locator("table.notifications tbody tr");
        await Expect(rows).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        foreach (var eventType in new[] { "run.started", "run.succeeded" })
        {
            var row = page.Locator($"table.notifications tr[data-event-id='{runId}/{eventType}']");
            await Expect(row).ToHaveAttributeAsync("data-state", "Delivered", new() { Timeout = 30_000 });
            await Expect(row.Locator("ol.attempts > li")).ToHaveCountAsync(2);
            await Expect(row.Locator("ol.attempts > li").First).ToContainTextAsync("HTTP 500");
            await Expect(row.Locator("ol.attempts > li").Last).ToContainTextAsync("HTTP 200");
            await Expect(row).ToContainTextAsync(receiver.Url.ToString());
        }

        await tab.ScreenshotAsync("dashboard-notifications");
    }
}
