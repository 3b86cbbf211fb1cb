using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Costs;

/// <summary>
/// Costs through the real API on a real local-engine run: the local job stands in for an AWS job of its configured
/// size (G.1X × 2 by default), its runs are billed the one-minute minimum, crawls the ten-minute minimum on 2 DPUs.
/// </summary>
public sealed class RunCostApiTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_run_shows_its_cost_per_attempt_per_entity_and_in_total_and_the_pipeline_its_day()
    {
        await using var host = await TestHost.StartAsync(config =>
            config["Glue"]!["Local"]!["Jobs"]!["mystore-data-preparation-parquet"]!["NumberOfWorkers"] = 5);

        var response = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "cost" }, Token);
        var run = await ApiPolling.UntilFinishedAsync(host.Client, response.Headers.Location!.ToString());

        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        var steps = run.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        var attempt = steps["job/sales"].GetProperty("attempts").EnumerateArray().Single().GetProperty("cost");
        // A local run takes seconds: billed one minute on 5 G.1X workers, at $0.44 per DPU-hour, flagged as an estimate.
        Assert.Equal(300, attempt.GetProperty("dpuSeconds").GetDouble());
        Assert.Equal(300 / 3600.0 * 0.44, attempt.GetProperty("cost").GetDouble(), 9);
        Assert.True(attempt.GetProperty("estimated").GetBoolean());
        Assert.Equal(300, steps["job/sales"].GetProperty("cost").GetProperty("dpuSeconds").GetDouble());
        Assert.Equal(1200, steps["raw-crawler"].GetProperty("cost").GetProperty("dpuSeconds").GetDouble());
        var total = run.GetProperty("cost");
        Assert.Equal((3 * 300) + (2 * 1200), total.GetProperty("dpuSeconds").GetDouble());
        Assert.Equal(3300 / 3600.0, total.GetProperty("dpuHours").GetDouble(), 9);

        var listed = (await host.Client.GetFromJsonAsync<JsonElement>("/api/runs?pipeline=data-preparation", Token)).GetProperty("runs")[0];
        Assert.Equal(3300, listed.GetProperty("cost").GetProperty("dpuSeconds").GetDouble());
        var pipeline = (await host.Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token))[0].GetProperty("today");
        Assert.Equal(3300, pipeline.GetProperty("used").GetProperty("dpuSeconds").GetDouble());
        Assert.False(pipeline.GetProperty("exceeded").GetBoolean());

        var metrics = await host.Client.GetStringAsync("/metrics", Token);
        Assert.Equal(300, Sample(metrics, "orchestrator_glue_dpu_seconds_total", "entity=\"sales\"", "resource=\"mystore-data-preparation-parquet\""));
        Assert.Equal(1200, Sample(metrics, "orchestrator_glue_dpu_seconds_total", "entity=\"\"", "resource=\"mystore-raw-crawler\""));
        Assert.Equal(300 / 3600.0 * 0.44, Sample(metrics, "orchestrator_glue_estimated_cost_usd_total", "entity=\"sales\"", "resource=\"mystore-data-preparation-parquet\""), 9);
    }

    [Fact]
    public async Task A_manual_run_past_the_budget_still_starts_with_a_warning()
    {
        await using var host = await TestHost.StartAsync(config =>
            config["Pipelines"]!["data-preparation"]!["Budget"] = new System.Text.Json.Nodes.JsonObject
            {
                ["DailyDpuHours"] = 0.5,
                ["Action"] = "SkipScheduled",
            });
        var first = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "first" }, Token);
        Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>(Token)).TryGetProperty("warning", out _));
        await ApiPolling.UntilFinishedAsync(host.Client, first.Headers.Location!.ToString());

        var second = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "second" }, Token);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var warning = (await second.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("warning").GetString();
        Assert.StartsWith("over budget: 0.767 of 0.5 DPU-hours used on ", warning, StringComparison.Ordinal);
        var today = (await host.Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token))[0].GetProperty("today");
        Assert.True(today.GetProperty("exceeded").GetBoolean());
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    static double Sample(string scrape, string name, params string[] labels) =>
        double.Parse(scrape.Split('\n').Single(line => line.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
}
