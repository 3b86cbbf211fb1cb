using System.Net.Http.Json;
using Orchestrator.Tests.Dashboard;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Costs;

/// <summary>The dashboard in headless Chromium shows what a real local run cost: per attempt and step, per run, in the list, and the pipeline's day.</summary>
[Collection(DashboardCollection.Name)]
public sealed class CostDashboardTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_run_page_the_runs_list_and_the_pipelines_panel_show_the_cost()
    {
        await using var host = await TestHost.StartAsync(config =>
            config["Pipelines"]!["data-preparation"]!["Budget"] = new System.Text.Json.Nodes.JsonObject { ["DailyDpuHours"] = 0.5 });
        var response = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "cost" }, Token);
        var location = response.Headers.Location!.ToString();
        var run = await ApiPolling.UntilFinishedAsync(host.Client, location);
        var runId = run.GetProperty("runId").GetString()!;
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        // 3 jobs × 120 DPU-s (G.1X × 2, the one-minute minimum) + 2 crawls × 1200 DPU-s = 2760 DPU-s, 0.77 DPU-h, $0.337.
        await page.GotoAsync("/");
        await Expect(page.Locator($"table.runs tr[data-run-id='{runId}'] [data-field=cost]")).ToHaveTextAsync("≈$0.337 · 0.77 DPU-h");
        await Expect(page.Locator("article.pipeline[data-pipeline='data-preparation'] [data-field=today-cost]"))
            .ToContainTextAsync("≈$0.337 · 0.77 DPU-h ⚠ over budget (of 0.5 DPU-h budget, Alert)");

        await page.GotoAsync($"/runs/{Uri.EscapeDataString(runId)}");
        await Expect(page.Locator("[data-field=run-cost]")).ToHaveTextAsync("≈$0.337 · 0.77 DPU-h");
        var sales = page.Locator("tr[data-step-id='job/sales']");
        await Expect(sales.Locator("[data-field=step-cost]")).ToHaveTextAsync("≈$0.015 · 0.03 DPU-h");
        await Expect(sales.Locator("[data-field=attempt-cost]")).ToHaveTextAsync(" · 120 DPU-s ≈$0.015");
        await Expect(page.Locator("tr[data-step-id='raw-crawler'] [data-field=step-cost]")).ToHaveTextAsync("≈$0.147 · 0.33 DPU-h");
    }
}
