using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>Visibility lanes in the dashboard: each entity's own clean crawl in the grid, and the lag per entity.</summary>
[Collection(DashboardCollection.Name)]
public sealed class VisibilityTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_grid_shows_each_lane_after_its_job_and_the_lag_chart_marks_what_is_late_or_never_catalogued()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            VisibilityLaneTests.Lanes(orchestrator);
            orchestrator["Pipelines"]!["data-preparation"]!["VisibilitySla"] = "00:00:00.100";
        });
        var response = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "lanes" }, Token);
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("runId").GetString()!;

        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync($"/runs/{runId}");
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("✗ Failed", new() { Timeout = 90_000 });
        var visibility = page.Locator(".facts dt:text-is('Visibility') + dd");
        await Expect(visibility.Locator("li[data-entity='sales']")).ToHaveAttributeAsync("data-late", "true");
        await Expect(visibility.Locator("li[data-entity='returns']")).ToContainTextAsync("not catalogued, past the SLA");
        await Expect(page.Locator("table.steps tr[data-step-id='clean-crawler/sales'] th")).ToContainTextAsync("sales · clean crawl");
        await Expect(page.Locator("table.steps tr[data-step-id='clean-crawler/returns']")).ToHaveAttributeAsync("data-state", "Skipped");

        await page.GotoAsync("/");
        var rows = page.Locator("table.grid tbody tr");
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-step-id", "raw-crawler");
        await Expect(page.Locator("table.grid tr[data-step-id='job/sales'] + tr")).ToHaveAttributeAsync("data-step-id", "clean-crawler/sales");
        await Expect(page.Locator($"table.grid a.cell[data-run-id='{runId}'][data-step-id='clean-crawler/customer']")).ToHaveAttributeAsync("data-state", "Succeeded");
        var chart = page.Locator("[data-part=visibility] table.visibility-table");
        await Expect(chart.Locator("tbody tr")).ToHaveCountAsync(4);
        await Expect(chart.Locator("tr[data-entity='sales'] rect.lag-bar.late")).ToHaveCountAsync(1);
        await Expect(chart.Locator("tr[data-entity='returns'] rect.lag-bar.missing")).ToHaveCountAsync(1);
        await Expect(chart.Locator("tr[data-entity='returns'] [data-field=last]")).ToHaveTextAsync("not catalogued, past the SLA");
        await Expect(chart.Locator("tr[data-entity='customer'] [data-field=late]")).ToHaveTextAsync("1");
        await tab.ScreenshotAsync("dashboard-visibility", page.Locator("section#grid"));
        Assert.Empty(tab.ScriptErrors);
    }
}
