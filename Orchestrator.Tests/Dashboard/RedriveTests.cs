using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orchestrator.Glue.Local;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>A run fails for want of raw data; the data arrives; the operator redrives the run from its page.</summary>
[Collection(DashboardCollection.Name)]
public sealed class RedriveTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failed_run_is_redriven_from_its_page_and_the_redrive_reuses_what_succeeded()
    {
        // sales_eu reads raw/sales_eu, which does not exist yet: its job fails, the others succeed.
        await using var host = await TestHost.StartAsync(orchestrator =>
            orchestrator["Pipelines"]!["data-preparation"]!["Entities"]!["sales_eu"] = new JsonObject
            {
                ["Job"] = "mystore-data-preparation-parquet",
                ["Arguments"] = new JsonObject
                {
                    ["--source_entity_name"] = "sales_eu",
                    ["--target_entity_name"] = "sales_eu",
                    ["--datetime_partition_column"] = "order_datetime",
                    ["--partition_key"] = "order_date",
                },
            });
        var response = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "nightly catch-up" }, Token);
        var failedId = (await response.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("runId").GetString()!;

        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync($"/runs/{failedId}");
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("✗ Failed", new() { Timeout = 60_000 });
        var failedStep = page.Locator("table.steps tr[data-step-id='job/sales_eu']");
        await Expect(failedStep).ToHaveAttributeAsync("data-state", "Failed");
        await Expect(failedStep.Locator(".error-text").First).ToContainTextAsync("raw/sales_eu' of --source_entity_name 'sales_eu' does not exist");
        await Expect(failedStep.Locator("ol.attempts > li")).ToHaveCountAsync(2);
        await Expect(page.Locator("table.steps tr[data-step-id='clean-crawler']")).ToHaveAttributeAsync("data-state", "Skipped");
        await Expect(page.Locator(".facts dt:text-is('Message') + dd")).ToContainTextAsync("sales_eu: FAILED");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Terminate" })).ToBeDisabledAsync();
        await page.GotoAsync("/");
        await Expect(page.Locator($"table.runs tr[data-run-id='{failedId}'] [data-field=failed-entities]")).ToHaveTextAsync("sales_eu");
        await Expect(page.Locator($"table.grid a.cell[data-run-id='{failedId}'][data-step-id='job/sales_eu']")).ToHaveAttributeAsync("data-state", "Failed");
        await page.GoBackAsync();

        await WriteRawDataAsync(host, "sales_eu");

        var redrive = page.GetByRole(AriaRole.Button, new() { Name = "Redrive" });
        await Expect(redrive).ToBeEnabledAsync();
        await redrive.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Reused: Raw crawler, customer, customer_address, sales");
        await Expect(dialog).ToContainTextAsync("Run again: sales_eu, Clean crawler");
        await dialog.GetByLabel("Reason (optional)").FillAsync("sales_eu raw data arrived");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Redrive" }).ClickAsync();

        // The page moves to the new run, which carries on live until it succeeds.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/runs/data-preparation@redrive-"));
        await Expect(page.Locator("[data-run-status]")).ToHaveTextAsync("✓ Succeeded", new() { Timeout = 60_000 });
        var redriveId = await page.Locator("h1.run-title").TextContentAsync() ?? "";
        await Expect(page.Locator(".facts dt:text-is('Kind') + dd")).ToHaveTextAsync($"Redrive of {failedId}");
        foreach (var reused in new[] { "raw-crawler", "job/customer", "job/customer_address", "job/sales" })
        {
            await Expect(page.Locator($"table.steps tr[data-step-id='{reused}']")).ToHaveAttributeAsync("data-state", "Reused");
        }

        await Expect(page.Locator("table.steps tr[data-step-id='job/sales_eu']")).ToHaveAttributeAsync("data-state", "Succeeded");
        await Expect(page.Locator("table.steps tr[data-step-id='job/sales_eu'] [data-field=rows-written]")).ToHaveTextAsync("300");
        await Expect(page.Locator("table.steps tr[data-step-id='clean-crawler']")).ToHaveAttributeAsync("data-state", "Succeeded");
        await Expect(page.Locator("svg.gantt .gantt-row .note", new() { HasText = "reused" })).ToHaveCountAsync(4);
        await Expect(page.Locator("svg.gantt rect.gantt-step")).ToHaveCountAsync(2);
        await tab.ScreenshotAsync("dashboard-redrive");

        // What the page showed is what happened: the reused steps kept the failed run's Glue job runs.
        var origin = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{failedId}", Token);
        var redriven = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{redriveId}", Token);
        Assert.Equal("Succeeded", redriven.GetProperty("status").GetString());
        Assert.Equal(failedId, redriven.GetProperty("originRunId").GetString());
        Assert.Equal(GlueRunIds(origin, "job/sales"), GlueRunIds(redriven, "job/sales"));
        Assert.DoesNotContain(GlueRunIds(redriven, "job/sales_eu").Single(), GlueRunIds(origin, "job/sales_eu"));
        Assert.Empty(tab.ScriptErrors);
    }

    static async Task WriteRawDataAsync(TestHost host, string entity)
    {
        using var staging = new TempDirectory();
        await new SampleDataGenerator(staging.Path, TimeProvider.System)
            .WriteAsync(new SampleDataOptions { Rows = 300, Days = 2, Entities = ["sales"] }, CancellationToken.None);
        Directory.Move(Path.Combine(staging.Path, "raw", "sales"), Path.Combine(host.LakeRoot, "raw", entity));
    }

    static List<string> GlueRunIds(JsonElement run, string stepId) =>
        run.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == stepId)
            .GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("glueRunId").GetString()!).ToList();
}
