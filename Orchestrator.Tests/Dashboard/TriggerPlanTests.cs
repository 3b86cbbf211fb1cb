using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orchestrator.Activities.Runs;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>The Trigger run… dialog shows the plan before the operator confirms, and follows the entities ticked.</summary>
[Collection(DashboardCollection.Name)]
public sealed class TriggerPlanTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_trigger_dialog_shows_which_entities_would_run_or_skip_and_why_before_the_run_starts()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewDataTests.SkipWhenNoNewData);
        await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(),
            await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token));
        var written = await SkipWhenNoNewDataTests.WriteNewRawFilesAsync(host, "sales");
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");

        var card = page.Locator("article.pipeline[data-pipeline='data-preparation']");
        await card.GetByRole(AriaRole.Button, new() { Name = "Trigger run…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Trigger a run of data-preparation" });
        var plan = dialog.GetByRole(AriaRole.Region, new() { Name = "Plan" });
        var rows = plan.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(5);
        Assert.Equal(["raw-crawler", "job/customer", "job/customer_address", "job/sales", "clean-crawler"],
            await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.stepId)"));
        var sales = plan.Locator("tr[data-step-id='job/sales']");
        await Expect(sales).ToHaveAttributeAsync("data-action", "Run");
        await Expect(sales.Locator("[data-field=new-data]")).ToContainTextAsync($"New raw data: {written.FilesWritten} files");
        var customer = plan.Locator("tr[data-step-id='job/customer']");
        await Expect(customer).ToHaveAttributeAsync("data-action", "Skip");
        await Expect(customer).ToContainTextAsync("no new data: 0 of the");
        await Expect(plan.Locator("[data-field=plan-summary]")).ToContainTextAsync("1 entity would run, 2 would skip; estimated run time ");
        await Expect(sales.Locator("[data-field=step-cost]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^≈\$\d+\.\d{3} · \d+\.\d{2} DPU-h$"));
        await Expect(plan.Locator("[data-field=plan-summary]")).ToContainTextAsync("; estimated cost ≈$");
        await Expect(plan.Locator("[data-field=plan-budget]")).ToHaveTextAsync("Budget: the pipeline has no budget.");

        // Ticking an entity plans that entity alone.
        await dialog.GetByLabel("customer", new() { Exact = true }).CheckAsync();
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(plan.Locator("tr[data-step-id='clean-crawler']")).ToHaveAttributeAsync("data-action", "Skip");
        await Expect(plan.Locator("[data-field=plan-summary]")).ToContainTextAsync("0 entities would run, 1 would skip");

        // The plan started nothing; confirming does, and the run does what the plan said.
        Assert.Single((await host.Service<RunQueries>().ListAsync(new RunFilter("data-preparation"), Token)).Runs);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();
        var runId = await page.Locator(".notice", new() { HasText = "Started run" }).GetByRole(AriaRole.Link).TextContentAsync() ?? "";
        var run = await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(), runId);
        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        Assert.True(run.Steps.Single(s => s.Id == "job/customer").SkippedNoNewData);
        var json = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
        var step = json.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "job/customer");
        Assert.Equal("no new data", step.GetProperty("errorMessage").GetString());
        Assert.False(step.GetProperty("rawData").GetProperty("hasNewData").GetBoolean());

        // The run page says why the step was skipped, with the check's evidence.
        await page.GotoAsync($"/runs/{runId}");
        var row = page.Locator("table.steps tr[data-step-id='job/customer']");
        await Expect(row).ToHaveAttributeAsync("data-state", "Skipped");
        await Expect(row).ToContainTextAsync("NoNewData: no new data");
        await Expect(row.Locator("[data-field=raw-data]")).ToHaveTextAsync(step.GetProperty("rawData").GetProperty("basis").GetString()!);
        Assert.Empty(tab.ScriptErrors);
    }
}
