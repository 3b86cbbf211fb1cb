using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue.Local;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// SkipWhenNoNewData on the embedded default (SQLite store, local engine on DuckDB, real raw files): an entity whose raw
/// files all carry a bookmark of its job ends Skipped (no new data) without a Glue run; the clean crawl follows the
/// entities that ran, and is skipped when none did.
/// </summary>
public sealed class SkipWhenNoNewDataTests
{
    static readonly string[] Entities = ["customer", "customer_address", "sales"];

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_run_with_nothing_new_skips_every_entity_and_the_clean_crawl_and_starts_no_Glue_run()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewData);
        var first = await RunAsync(host);
        Assert.Equal(RunStatus.Succeeded, first.Summary.Status);
        foreach (var entity in Entities)
        {
            var check = first.Steps.Single(s => s.Id == $"job/{entity}").RawData!;
            Assert.True(check.HasNewData);
            Assert.True(check.NewFiles > 0 && check.NewBytes > 0, check.Basis);
        }

        var lake = new LakeInspection(host.DataDirectory);
        var jobRunsBefore = lake.JobRuns().Count;
        var rowsBefore = Entities.ToDictionary(e => e, lake.CleanRows);

        var second = await RunAsync(host);

        Assert.Equal(RunStatus.Succeeded, second.Summary.Status);
        foreach (var entity in Entities)
        {
            var step = second.Steps.Single(s => s.Id == $"job/{entity}");
            Assert.Equal(StepState.Skipped, step.State);
            Assert.Equal(("NoNewData", "no new data"), (step.ErrorClass, step.ErrorMessage));
            Assert.Empty(step.Attempts);
            Assert.False(step.RawData!.HasNewData);
            Assert.Equal(0, step.RawData.NewFiles);
            Assert.StartsWith("ingest_date=", step.RawData.NewestPartition, StringComparison.Ordinal);
            Assert.Contains($"0 of the {first.Steps.Single(s => s.Id == $"job/{entity}").RawData!.NewFiles} raw files", step.RawData.Basis, StringComparison.Ordinal);
            Assert.Equal(rowsBefore[entity], lake.CleanRows(entity));
        }

        var clean = second.Steps.Single(s => s.Id == "clean-crawler");
        Assert.Equal((StepState.Skipped, "NoNewData"), (clean.State, clean.ErrorClass));
        Assert.Empty(clean.Attempts);
        Assert.Equal(StepState.Succeeded, second.Steps.Single(s => s.Id == "raw-crawler").State);
        Assert.Equal(jobRunsBefore, lake.JobRuns().Count);
    }

    [Fact]
    public async Task Only_the_entity_with_new_raw_files_runs_and_the_clean_crawl_still_runs_under_AllSucceeded()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewData);
        await RunAsync(host);
        var lake = new LakeInspection(host.DataDirectory);
        var salesRows = lake.CleanRows("sales");
        var written = await WriteNewRawFilesAsync(host, "sales");

        var second = await RunAsync(host);

        Assert.Equal(RunStatus.Succeeded, second.Summary.Status);
        var sales = second.Steps.Single(s => s.Id == "job/sales");
        Assert.Equal(StepState.Succeeded, sales.State);
        Assert.Equal(written.FilesWritten, sales.RawData!.NewFiles);
        Assert.Equal(written.FilesWritten, sales.Attempts.Single().Details!.FilesProcessed);
        Assert.True(lake.CleanRows("sales") > salesRows);
        Assert.All(second.Steps.Where(s => s.Id is "job/customer" or "job/customer_address"), s => Assert.True(s.SkippedNoNewData, s.Id));
        Assert.Equal(StepState.Succeeded, second.Steps.Single(s => s.Id == "clean-crawler").State);
        Assert.Single(lake.JobRuns(), r => r.Marker!.StartsWith(second.Summary.RunId + "/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_entity_can_turn_the_pipeline_setting_off_and_its_job_runs_without_a_check()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            SkipWhenNoNewData(orchestrator);
            orchestrator["Pipelines"]!["data-preparation"]!["Entities"]!["customer"]!["SkipWhenNoNewData"] = false;
        });
        await RunAsync(host);

        var second = await RunAsync(host);

        var customer = second.Steps.Single(s => s.Id == "job/customer");
        Assert.Equal(StepState.Succeeded, customer.State);
        Assert.Null(customer.RawData);
        Assert.Equal(0, customer.Attempts.Single().Details!.FilesProcessed);
        Assert.True(second.Steps.Single(s => s.Id == "job/sales").SkippedNoNewData);
        // One entity ran, so the clean crawl runs too.
        Assert.Equal(StepState.Succeeded, second.Steps.Single(s => s.Id == "clean-crawler").State);
    }

    [Fact]
    public async Task With_visibility_lanes_a_skipped_entity_skips_its_own_clean_crawl_and_is_not_reported_late()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            SkipWhenNoNewData(orchestrator);
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["CleanCrawl"] = "PerEntity";
            pipeline.Remove("CleanCrawler");
            pipeline["VisibilitySla"] = "00:00:00.001";
            foreach (var entity in Entities)
            {
                orchestrator["Glue"]!["Local"]!["Crawlers"]![$"clean-{entity}"] = new JsonObject { ["Zone"] = "clean", ["Database"] = "clean", ["Tables"] = new JsonArray(entity) };
                pipeline["Entities"]![entity]!["CleanCrawler"] = $"clean-{entity}";
            }
        });
        await RunAsync(host);
        await WriteNewRawFilesAsync(host, "sales");

        var second = await RunAsync(host);

        Assert.Equal(RunStatus.Succeeded, second.Summary.Status);
        Assert.Equal(StepState.Succeeded, second.Steps.Single(s => s.Id == "clean-crawler/sales").State);
        foreach (var entity in new[] { "customer", "customer_address" })
        {
            var lane = second.Steps.Single(s => s.Id == $"clean-crawler/{entity}");
            Assert.Equal((StepState.Skipped, "NoNewData"), (lane.State, lane.ErrorClass));
        }

        Assert.Equal(["sales"], (second.Summary.Visibility ?? []).Select(v => v.Entity));
    }

    /// <summary>Raw files of hours the first sample did not write: sample data as written two days from now.</summary>
    internal static async Task<SampleEntitySummary> WriteNewRawFilesAsync(TestHost host, string entity)
    {
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(2));
        var summaries = await new SampleDataGenerator(host.LakeRoot, later)
            .WriteAsync(new SampleDataOptions { Rows = 40, Days = 1, Seed = 7, Entities = [entity] }, Token);
        var summary = summaries.Single();
        Assert.True(summary.FilesWritten > 0);
        return summary;
    }

    internal static void SkipWhenNoNewData(JsonObject orchestrator) =>
        orchestrator["Pipelines"]!["data-preparation"]!["SkipWhenNoNewData"] = true;

    static async Task<RunDetails> RunAsync(TestHost host) =>
        await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(),
            await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token));
}
