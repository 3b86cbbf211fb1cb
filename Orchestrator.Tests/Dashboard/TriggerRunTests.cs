using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>An operator triggers a run from the page, watches it succeed live, and opens it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class TriggerRunTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_run_triggered_from_the_page_reaches_Succeeded_in_the_list_and_the_grid_and_its_page_has_a_bar_per_step()
    {
        await using var host = await TestHost.StartAsync();
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");

        var card = page.Locator("article.pipeline[data-pipeline='data-preparation']");
        await Expect(card.Locator("[data-field=active]")).ToHaveTextAsync("None");
        await card.GetByRole(AriaRole.Button, new() { Name = "Trigger run…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Trigger a run of data-preparation" });
        await dialog.GetByLabel("Reason (optional)").FillAsync("browser test");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        var started = page.Locator(".notice", new() { HasText = "Started run" }).GetByRole(AriaRole.Link);
        var runId = await started.TextContentAsync() ?? "";
        Assert.StartsWith("data-preparation@manual-", runId, StringComparison.Ordinal);

        // Live refresh, no reload: the list row and the grid column turn Succeeded by themselves.
        var row = page.Locator($"table.runs tr[data-run-id='{runId}']");
        await Expect(row).ToHaveAttributeAsync("data-state", "Succeeded", new() { Timeout = 60_000 });
        await Expect(row.Locator(".badge")).ToHaveTextAsync("✓ Succeeded");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("Manual");
        var run = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        var stepIds = run.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Equal(["raw-crawler", "job/customer", "job/customer_address", "job/sales", "clean-crawler"], stepIds);

        await Expect(page.Locator($"table.grid a.run-cell[data-run-id='{runId}']")).ToHaveAttributeAsync("data-state", "Succeeded");
        var cells = page.Locator($"table.grid a.cell[data-run-id='{runId}'][data-step-id]");
        await Expect(cells).ToHaveCountAsync(stepIds.Count);
        foreach (var stepId in stepIds)
        {
            await Expect(cells.And(page.Locator($"[data-step-id='{stepId}']"))).ToHaveAttributeAsync("data-state", "Succeeded");
        }

        var sales = cells.And(page.Locator("[data-step-id='job/sales']"));
        await sales.HoverAsync();
        var tooltip = page.Locator("#tooltip");
        await Expect(tooltip).ToBeVisibleAsync();
        await Expect(tooltip).ToContainTextAsync("sales · Succeeded");
        await Expect(tooltip).ToContainTextAsync("1 attempt");
        await Expect(tooltip).ToContainTextAsync("Duration ");

        await sales.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, $"/runs/{runId}").ToString());
        await ExpectRunPageAsync(page, run, stepIds);

        // The deep link survives a reload.
        await page.ReloadAsync();
        await ExpectRunPageAsync(page, run, stepIds);
        Assert.Empty(tab.ScriptErrors);
    }

    static async Task ExpectRunPageAsync(IPage page, JsonElement run, IReadOnlyList<string> stepIds)
    {
        var runId = run.GetProperty("runId").GetString()!;
        await Expect(page.Locator("h1.run-title")).ToHaveTextAsync(runId);
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("✓ Succeeded");

        var bars = page.Locator("svg.gantt rect.gantt-step");
        await Expect(bars).ToHaveCountAsync(stepIds.Count);
        Assert.Equal(stepIds, await bars.EvaluateAllAsync<string[]>("bars => bars.map(b => b.dataset.stepId)"));
        var attempts = run.GetProperty("steps").EnumerateArray().Sum(s => s.GetProperty("attempts").GetArrayLength());
        await Expect(page.Locator("svg.gantt rect.gantt-attempt")).ToHaveCountAsync(attempts);

        var sales = run.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "job/sales");
        var attempt = sales.GetProperty("attempts")[0];
        var salesRow = page.Locator("table.steps tr[data-step-id='job/sales']");
        await Expect(salesRow.Locator(".glue-run-id")).ToHaveTextAsync(attempt.GetProperty("glueRunId").GetString()!);
        await Expect(salesRow.Locator("ol.attempts a")).ToHaveCountAsync(0);
        await Expect(salesRow.Locator("[data-field=rows-written]")).ToHaveTextAsync("300");
        var added = attempt.GetProperty("details").GetProperty("partitionsAdded").GetArrayLength();
        Assert.True(added > 0);
        await Expect(salesRow.Locator("[data-field=partitions] summary")).ToHaveTextAsync($"{added} added, 0 updated");

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Replay" })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Redrive" })).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Terminate" })).ToBeDisabledAsync();
        await Expect(page.Locator("table.history tr[data-event-type='ExecutionStarted']")).ToHaveCountAsync(1);

        // Times read in the browser's zone, with UTC on hover.
        var created = DateTime.Parse(run.GetProperty("createdAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var local = TimeZoneInfo.ConvertTimeFromUtc(created, TimeZoneInfo.FindSystemTimeZoneById(DashboardBrowser.TimeZone));
        var createdTime = page.Locator(".facts dt:text-is('Created') + dd time");
        await Expect(createdTime).ToContainTextAsync(local.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        await Expect(createdTime).ToHaveAttributeAsync("title", created.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC");
    }
}
