using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>An operator starts a run for one entity, follows it from the pipelines panel, and stops it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class TerminateTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_running_run_is_terminated_from_its_page()
    {
        // No raw crawler and a first poll after 8 s: the entity's job step is running from the start, long enough to be caught.
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline.Remove("RawCrawler");
            pipeline["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:08", ["MaxDelay"] = "00:00:08" };
        });
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");

        var card = page.Locator("article.pipeline[data-pipeline='data-preparation']");
        await card.GetByRole(AriaRole.Button, new() { Name = "Trigger run…" }).ClickAsync();
        var trigger = page.GetByRole(AriaRole.Dialog);
        await trigger.GetByLabel("customer", new() { Exact = true }).CheckAsync();
        await trigger.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();

        var active = card.Locator("[data-field=active] a");
        await Expect(active).ToHaveCountAsync(1);
        var runId = await active.TextContentAsync() ?? "";
        await active.ClickAsync();
        await Expect(page.Locator("h1.run-title")).ToHaveTextAsync(runId);
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("▶ Running");
        await Expect(page.Locator("table.steps tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("table.steps tr[data-step-id='job/customer']")).ToHaveAttributeAsync("data-state", "Running");
        await Expect(page.Locator("svg.gantt line.now")).ToHaveCountAsync(1);
        await Expect(page.Locator("svg.gantt rect.gantt-attempt.tone-running")).Not.ToHaveCountAsync(0);
        await tab.ScreenshotAsync("dashboard-running-run");

        await page.GetByRole(AriaRole.Button, new() { Name = "Terminate" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Terminate run {runId}?" });
        await Expect(dialog.GetByLabel("Reason (optional)")).ToBeFocusedAsync();
        await Expect(dialog.GetByLabel("Force", new() { Exact = false })).Not.ToBeCheckedAsync();
        await dialog.GetByLabel("Reason (optional)").FillAsync("wrong entity chosen");
        await tab.ScreenshotAsync("dashboard-terminate-dialog", fullPage: false);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Terminate" }).ClickAsync();

        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("■ Terminated", new() { Timeout = 30_000 });
        await Expect(page.Locator(".facts dt:text-is('Message') + dd")).ToHaveTextAsync("wrong entity chosen");
        await Expect(page.Locator("table.steps tr[data-state='Running']")).ToHaveCountAsync(0);
        var stopped = page.Locator("table.steps tr[data-step-id='job/customer']");
        await Expect(stopped).ToHaveAttributeAsync("data-state", "Stopped");
        await Expect(stopped.Locator("ol.attempts > li")).ToContainTextAsync("Stopped");
        await Expect(stopped.Locator("ol.attempts > li .glue-run-id")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^jr_"));
        await Expect(page.Locator("table.steps tr[data-step-id='clean-crawler']")).ToContainTextAsync("the run was terminated");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Terminate" })).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Redrive" })).ToBeEnabledAsync();
        await Expect(page.Locator("svg.gantt line.now")).ToHaveCountAsync(0);

        var run = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
        Assert.Equal("Terminated", run.GetProperty("status").GetString());
        Assert.Equal(["job/customer", "clean-crawler"], run.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Empty(tab.ScriptErrors);
    }
}
