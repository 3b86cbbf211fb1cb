using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>
/// The dashboard over 10,000 finished runs: the first view and the grid of the last 50 runs are timed in the
/// browser (reported, not asserted: timings depend on the machine), and paging and filters are checked against the API.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class LargeHistoryTests(DashboardBrowser browser)
{
    const int Runs = 10_000;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ten_thousand_runs_page_filter_and_render_in_the_browser()
    {
        // One run per 30-minute slot goes back 208 days: retention must not purge them while the test looks.
        await using var host = await TestHost.StartAsync(orchestrator => orchestrator["Retention"] = new System.Text.Json.Nodes.JsonObject { ["Days"] = 3650 }, sampleRows: 0);
        var pipeline = host.Service<PipelineCatalog>().Find("data-preparation")!;
        var store = Path.Combine(host.DataDirectory, "orchestrator.db");
        var clock = Stopwatch.StartNew();
        var seeded = await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(Runs, DateTime.UtcNow.AddMinutes(-5), TimeSpan.FromMinutes(30)));
        var seeding = clock.Elapsed;
        Assert.Equal(Runs, seeded.Runs);
        Assert.InRange(seeded.Failed, 10, 100);

        // First view three ways: a fresh host (its first requests compile the API's code paths) and a fresh browser;
        // a new browser (empty cache) on the now warm host; a reload.
        double firstViewColdHost, firstViewNewBrowser;
        await using (var first = await browser.OpenAsync(host.BaseAddress))
        {
            await first.Page.GotoAsync("/");
            firstViewColdHost = await MarkAsync(first.Page, "dashboard-first-view");
        }

        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");
        firstViewNewBrowser = await MarkAsync(page, "dashboard-first-view");
        await page.ReloadAsync();
        var firstViewReload = await MarkAsync(page, "dashboard-first-view");

        // The list shows the API's first page, newest first, and pages on with the cursor.
        var api = await host.Client.GetFromJsonAsync<JsonElement>("/api/runs?limit=25", Token);
        var apiIds = api.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!).ToList();
        var rows = page.Locator("table.runs tbody tr");
        await Expect(rows).ToHaveCountAsync(25);
        Assert.Equal(apiIds, await RunIdsAsync(rows));
        await page.GetByRole(AriaRole.Button, new() { Name = "Older →" }).ClickAsync();
        await Expect(page.Locator("[aria-live=polite]", new() { HasText = "Page 2" })).ToHaveCountAsync(1);
        var second = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?limit=25&cursor={Uri.EscapeDataString(api.GetProperty("nextCursor").GetString()!)}", Token);
        var secondIds = second.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!).ToList();
        await Expect(rows.First).ToHaveAttributeAsync("data-run-id", secondIds[0]);
        Assert.Equal(secondIds, await RunIdsAsync(rows));
        await page.GetByRole(AriaRole.Button, new() { Name = "← Newer" }).ClickAsync();
        await Expect(rows.First).ToHaveAttributeAsync("data-run-id", apiIds[0]);

        // Status filter: only failed runs, each naming its failed entity.
        clock.Restart();
        await page.GetByRole(AriaRole.Form, new() { Name = "Run filters" }).GetByLabel("Status").SelectOptionAsync("Failed");
        await Expect(rows.First).ToHaveAttributeAsync("data-state", "Failed");
        var failedFilter = clock.Elapsed;
        await Expect(rows).ToHaveCountAsync(25);
        Assert.All(await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.state)"), state => Assert.Equal("Failed", state));
        Assert.All(await rows.Locator("[data-field=failed-entities]").AllTextContentsAsync(), text => Assert.Contains(text, pipeline.Entities.Select(e => e.Name)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await Expect(rows.First).ToHaveAttributeAsync("data-run-id", apiIds[0]);

        // Time range: two hours of runs in the browser's zone, four 30-minute slots.
        var zone = TimeZoneInfo.FindSystemTimeZoneById(DashboardBrowser.TimeZone);
        var from = TimeZoneInfo.ConvertTimeFromUtc(seeded.Newest.AddDays(-3), zone);
        from = new DateTime(from.Year, from.Month, from.Day, from.Hour, 0, 0, DateTimeKind.Unspecified);
        await page.Locator("#filter-since").FillAsync(from.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await page.Locator("#filter-until").FillAsync(from.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await Expect(rows).ToHaveCountAsync(4);
        var fromUtc = TimeZoneInfo.ConvertTimeToUtc(from, zone);
        foreach (var created in await rows.Locator("td:nth-child(4) time").EvaluateAllAsync<string[]>("times => times.map(t => t.dateTime)"))
        {
            Assert.InRange(DateTime.Parse(created, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), fromUtc, fromUtc.AddHours(2));
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();

        // The grid of the last 50 runs: a column per run, newest on the right, a row per step.
        var grids = new List<double>();
        foreach (var size in new[] { "50", "25", "50", "25", "50", "25", "50" })
        {
            await page.GetByRole(AriaRole.Form, new() { Name = "Grid settings" }).GetByLabel("Runs").SelectOptionAsync(size);
            await Expect(page.Locator("[data-part=grid]")).ToHaveAttributeAsync("data-runs", size);
            if (size == "50")
            {
                grids.Add(await page.EvaluateAsync<double>("() => performance.getEntriesByName('dashboard-grid').at(-1).duration"));
            }
        }

        await Expect(page.Locator("table.grid a.run-cell")).ToHaveCountAsync(50);
        await Expect(page.Locator("table.grid a.run-cell").Last).ToHaveAttributeAsync("data-run-id", apiIds[0]);
        await Expect(page.Locator("table.grid tbody tr")).ToHaveCountAsync(pipeline.Entities.Count + 2);
        await Expect(page.Locator("table.grid a.cell[data-step-id]")).ToHaveCountAsync(50 * (pipeline.Entities.Count + 2));
        await page.Locator("table.grid tbody a.cell[data-state='Failed']").First.FocusAsync();
        await Expect(page.Locator("#tooltip")).ToContainTextAsync("Failed");
        await tab.ScreenshotAsync("dashboard-home");
        await tab.ScreenshotAsync("dashboard-grid", page.Locator("#grid"));

        // A failed run from the history opens with its retries on the timeline.
        var failedRun = page.Locator("table.grid a.run-cell[data-state='Failed']").Last;
        var failedId = await failedRun.GetAttributeAsync("data-run-id");
        clock.Restart();
        await failedRun.ClickAsync();
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("✗ Failed");
        var runPage = clock.Elapsed;
        await Expect(page.Locator("h1.run-title")).ToHaveTextAsync(failedId!);
        await Expect(page.Locator("svg.gantt rect.gantt-attempt[data-state='FAILED']")).ToHaveCountAsync(pipeline.Entities[0].Retry.MaxAttempts);
        await tab.ScreenshotAsync("dashboard-run-failed");
        Assert.Empty(tab.ScriptErrors);

        // The API's share: the three requests of the first view, on the warm host.
        var apiTimes = new List<string>();
        foreach (var path in new[] { "/api/pipelines", "/api/runs?limit=25", "/api/runs?pipeline=data-preparation&limit=50", "/api/runs?status=Failed&limit=25" })
        {
            var times = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                clock.Restart();
                (await host.Client.GetAsync(path, Token)).EnsureSuccessStatusCode();
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            apiTimes.Add(string.Create(CultureInfo.InvariantCulture, $"{path} {times[5]:F0} ms"));
        }

        var report = string.Create(CultureInfo.InvariantCulture, $"""
            runs seeded: {seeded.Runs} ({seeded.Failed} failed, {seeded.Manual} manual) in {seeding.TotalMilliseconds:F0} ms
            first view (navigation start to pipelines, grid of 25 and runs list rendered): {firstViewColdHost:F0} ms on a fresh host, {firstViewNewBrowser:F0} ms in a new browser, {firstViewReload:F0} ms on reload
            grid of the last 50 runs (request to rendered), 4 times: {string.Join(", ", grids.Select(g => $"{g:F0} ms"))}
            status filter Failed (select to first row shown, {seeded.Failed} failed among {seeded.Runs}): {failedFilter.TotalMilliseconds:F0} ms
            run page of a failed run (click to status shown): {runPage.TotalMilliseconds:F0} ms
            API medians of 10 on the warm host: {string.Join("; ", apiTimes)}
            """);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-performance.txt"), report, Token);
    }

    /// <summary>When the page set a performance mark, in ms since navigation start.</summary>
    static async Task<double> MarkAsync(IPage page, string name)
    {
        await page.WaitForFunctionAsync($"() => performance.getEntriesByName('{name}').length > 0");
        return await page.EvaluateAsync<double>($"() => performance.getEntriesByName('{name}')[0].startTime");
    }

    static async Task<List<string>> RunIdsAsync(ILocator rows) =>
        [.. await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.runId)")];
}
