using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orchestrator.Activities.Runs;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>An operator opens an entity's partition changes from its pipeline card, sees late ones marked, and a run's changes from its page.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ChangesViewTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_Changes_view_of_an_entity_lists_its_partition_changes_marks_late_ones_and_the_run_page_links_to_its_changes()
    {
        await using var host = await TestHost.StartAsync();
        var queries = host.Service<RunQueries>();
        var run = await PipelineRunTests.RunToEndAsync(queries, await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token));
        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var sales = (await host.Client.GetFromJsonAsync<JsonElement>("/api/changes?pipeline=data-preparation&entity=sales&limit=500", Token)).GetProperty("changes").EnumerateArray().ToList();
        var all = (await host.Client.GetFromJsonAsync<JsonElement>("/api/changes?limit=500", Token)).GetProperty("changes").EnumerateArray().ToList();
        // Sample data spans two days of events, so the run's slot (now) finds partitions of yesterday: late ones.
        var lateSales = sales.Where(c => c.GetProperty("late").GetBoolean()).ToList();
        Assert.NotEmpty(lateSales);

        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");
        await page.Locator("article.pipeline[data-pipeline='data-preparation'] [data-field=entities]").GetByRole(AriaRole.Link, new() { Name = "sales" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, "/changes?pipeline=data-preparation&entity=sales").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Partition changes of data-preparation / sales" })).ToBeVisibleAsync();
        var rows = page.Locator("table.changes tbody tr");
        await Expect(rows).ToHaveCountAsync(sales.Count);
        Assert.Equal(sales.Select(c => c.GetProperty("partition").GetString()!), await page.Locator("table.changes tbody [data-field=partition]").AllTextContentsAsync());
        await Expect(page.Locator("table.changes tbody tr.late")).ToHaveCountAsync(lateSales.Count);
        var firstLate = lateSales[0];
        await Expect(page.Locator($"table.changes tr[data-sequence='{firstLate.GetProperty("sequence").GetInt64()}'] [data-field=lateness]"))
            .ToHaveTextAsync($"↩ Late · {firstLate.GetProperty("lateDays").GetInt32()} d");
        await Expect(page.Locator("table.changes tbody tr:not(.late) [data-late]")).ToHaveCountAsync(0);

        // The entity filter of the view itself: back to every entity.
        await page.GetByLabel("Entity").SelectOptionAsync("");
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, "/changes?pipeline=data-preparation").ToString());
        await Expect(rows).ToHaveCountAsync(all.Count);

        await page.GotoAsync($"/runs/{run.Summary.RunId}");
        await page.Locator("[data-field=changes-link]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, $"/changes?pipeline=data-preparation&run={Uri.EscapeDataString(run.Summary.RunId)}").ToString());
        await Expect(rows).ToHaveCountAsync(all.Count);
        Assert.All(await page.Locator("table.changes tbody a.run-id").AllTextContentsAsync(), text => Assert.Equal(run.Summary.RunId, text));

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" }).GetByRole(AriaRole.Link, new() { Name = "Changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, "/changes").ToString());
        await Expect(rows).ToHaveCountAsync(all.Count);
        await tab.ScreenshotAsync("dashboard-changes", fullPage: false);
        Assert.Empty(tab.ScriptErrors);
    }
}
