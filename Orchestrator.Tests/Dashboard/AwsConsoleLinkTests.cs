using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>On the Aws backend a run's Glue job runs and crawlers link to the AWS Glue console of the configured region.</summary>
[Collection(DashboardCollection.Name)]
public sealed class AwsConsoleLinkTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Glue_run_ids_link_to_the_console_of_the_configured_region()
    {
        // Finished runs are read from the store alone: no Glue call is made, so no AWS account is needed.
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            orchestrator["Glue"]!["Backend"] = "Aws";
            orchestrator["Glue"]!["Aws"]!["Region"] = "eu-west-1";
        }, sampleRows: 0);
        var pipeline = host.Service<PipelineCatalog>().Find("data-preparation")!;
        await RunHistorySeeder.SeedAsync(Path.Combine(host.DataDirectory, "orchestrator.db"), pipeline,
            new RunHistorySeed(3, DateTime.UtcNow, TimeSpan.FromMinutes(30), FailEvery: 0, ManualEvery: 0));
        var newest = (await host.Client.GetFromJsonAsync<JsonElement>("/api/runs?limit=1", Token)).GetProperty("runs")[0].GetProperty("runId").GetString()!;
        var run = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{newest}", Token);
        Assert.Equal("Aws", run.GetProperty("backend").GetString());
        Assert.Equal("eu-west-1", run.GetProperty("awsRegion").GetString());
        var customer = run.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "job/customer");
        var glueRunId = customer.GetProperty("attempts")[0].GetProperty("glueRunId").GetString()!;

        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync($"/runs/{newest}");
        await Expect(page.Locator(".facts dt:text-is('Glue backend') + dd")).ToHaveTextAsync("Aws (eu-west-1)");
        var jobLink = page.Locator("table.steps tr[data-step-id='job/customer'] ol.attempts a");
        await Expect(jobLink).ToHaveAttributeAsync("href",
            $"https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/mystore-data-preparation-parquet/run/{glueRunId}");
        await Expect(jobLink).ToHaveAttributeAsync("target", "_blank");
        await Expect(jobLink.Locator(".glue-run-id")).ToHaveTextAsync(glueRunId);
        await Expect(page.Locator("table.steps tr[data-step-id='raw-crawler'] ol.attempts a")).ToHaveAttributeAsync("href",
            "https://eu-west-1.console.aws.amazon.com/glue/home?region=eu-west-1#/v2/data-catalog/crawlers/view/mystore-raw-crawler");
        Assert.Empty(tab.ScriptErrors);
    }
}
