using System.Text.Json.Nodes;
using Orchestrator.Activities.Runs;
using Orchestrator.Tests.Hosting;
using static Orchestrator.Tests.Pipelines.PipelineRunTests;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// CleanCrawl PerEntity on the embedded default: each entity's own clean crawler runs as soon as its job succeeds,
/// so an entity that keeps failing delays only its own visibility; and the visibility lag each run records.
/// </summary>
public sealed class VisibilityLaneTests
{
    static readonly string[] Healthy = ["customer", "customer_address", "sales"];

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Lanes for the three sample entities and a fourth, <c>returns</c>, whose raw data does not exist yet.</summary>
    internal static void Lanes(JsonObject orchestrator)
    {
        AddEntity(orchestrator, "returns", source: "returns");
        var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
        pipeline["CleanCrawl"] = "PerEntity";
        pipeline.Remove("CleanCrawler");

        // The failing entity's second attempt waits long enough that the others' lanes finish first on any machine.
        pipeline["Entities"]!["returns"]!["Retry"] = new JsonObject { ["MaxAttempts"] = 2, ["FirstDelay"] = "00:00:08", ["MaxDelay"] = "00:00:08", ["Jitter"] = false };
        foreach (var entity in Healthy.Append("returns"))
        {
            orchestrator["Glue"]!["Local"]!["Crawlers"]![$"clean-{entity}"] = new JsonObject { ["Zone"] = "clean", ["Database"] = "clean", ["Tables"] = new JsonArray(entity) };
            pipeline["Entities"]![entity]!["CleanCrawler"] = $"clean-{entity}";
        }
    }

    [Fact]
    public async Task An_entity_that_keeps_failing_does_not_hold_back_the_others_clean_partitions()
    {
        await using var host = await TestHost.StartAsync(Lanes);
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));

        Assert.Equal(RunStatus.Failed, run.Summary.Status);
        Assert.Equal(["returns"], run.Summary.FailedEntities);
        var failing = run.Steps.Single(s => s.Id == "job/returns");
        Assert.Equal(StepState.Failed, failing.State);
        Assert.Equal(StepState.Skipped, run.Steps.Single(s => s.Id == "clean-crawler/returns").State);
        foreach (var entity in Healthy)
        {
            var lane = run.Steps.Single(s => s.Id == $"clean-crawler/{entity}");
            Assert.Equal(StepKind.EntityCleanCrawler, lane.Kind);
            Assert.Equal(StepState.Succeeded, lane.State);
            Assert.True(lane.StartedAt >= run.Steps.Single(s => s.Id == $"job/{entity}").EndedAt, $"{entity}'s crawl started before its job ended");

            // Catalogued while the failing entity was still waiting for its second attempt: not held back by it.
            Assert.True(lane.EndedAt < failing.EndedAt, $"{entity}'s crawl ended {lane.EndedAt:O}, after the failing entity ({failing.EndedAt:O})");
        }

        Assert.Equal(Healthy, new LakeInspection(host.DataDirectory).CatalogTables("clean"));
        Assert.DoesNotContain(run.Steps, s => s.Id == "clean-crawler");

        var visibility = run.Summary.Visibility!.ToDictionary(v => v.Entity);
        Assert.Equal(Healthy.Append("returns").Order(), visibility.Keys.Order());
        Assert.Null(visibility["returns"].CataloguedAt);
        foreach (var entity in Healthy)
        {
            var lane = run.Steps.Single(s => s.Id == $"clean-crawler/{entity}");
            Assert.Equal(lane.EndedAt, visibility[entity].CataloguedAt);
            Assert.Equal((lane.EndedAt!.Value - run.Input!.RequestedAt).TotalSeconds, visibility[entity].LagSeconds!.Value, 3);
            Assert.False(visibility[entity].Late);
        }

        var metrics = await host.Client.GetStringAsync("/metrics", Token);
        Assert.Contains("orchestrator_visibility_lag_seconds_count{", metrics, StringComparison.Ordinal);
        Assert.Contains("entity=\"sales\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_reruns_only_the_failed_lane()
    {
        await using var host = await TestHost.StartAsync(Lanes);
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var failed = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));
        Assert.Equal(RunStatus.Failed, failed.Summary.Status);

        CopyRaw(host.LakeRoot, from: "sales", to: "returns");
        var redrive = await RunToEndAsync(queries, await runs.RedriveAsync(failed.Summary.RunId, "data fixed", Token));

        Assert.Equal(RunStatus.Succeeded, redrive.Summary.Status);
        Assert.Equal(StepState.Succeeded, redrive.Steps.Single(s => s.Id == "job/returns").State);
        Assert.Equal(StepState.Succeeded, redrive.Steps.Single(s => s.Id == "clean-crawler/returns").State);
        Assert.All(Healthy, entity =>
        {
            Assert.Equal(StepState.Reused, redrive.Steps.Single(s => s.Id == $"job/{entity}").State);
            Assert.Equal(StepState.Reused, redrive.Steps.Single(s => s.Id == $"clean-crawler/{entity}").State);
        });
        Assert.Contains("returns", new LakeInspection(host.DataDirectory).CatalogTables("clean"));
        Assert.Equal(["returns"], redrive.Summary.Visibility!.Select(v => v.Entity));
    }

    [Fact]
    public async Task Terminating_a_run_stops_a_lane_in_flight_and_a_redrive_crawls_that_lane_again_without_rerunning_its_job()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            Lanes(orchestrator);
            orchestrator["Glue"]!["Local"]!["Crawlers"]!["clean-sales"]!["RehearseDelay"] = "00:00:08";
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var runId = await runs.StartAsync("data-preparation", new StartRunRequest(["sales"]), Token);
        await WaitForAsync(queries, runId, run => run.Steps.Any(s => s.Id == "clean-crawler/sales" && s.State == StepState.Running));

        await runs.TerminateAsync(runId, "enough", cancellationToken: Token);
        var run = await RunToEndAsync(queries, runId);

        Assert.Equal(RunStatus.Terminated, run.Summary.Status);
        Assert.Equal(StepState.Succeeded, run.Steps.Single(s => s.Id == "job/sales").State);
        Assert.Equal(StepState.Stopped, run.Steps.Single(s => s.Id == "clean-crawler/sales").State);

        var redrive = await RunToEndAsync(queries, await runs.RedriveAsync(runId, "crawl it", Token));

        Assert.Equal(RunStatus.Succeeded, redrive.Summary.Status);
        Assert.Equal(StepState.Reused, redrive.Steps.Single(s => s.Id == "job/sales").State);
        var lane = redrive.Steps.Single(s => s.Id == "clean-crawler/sales");
        Assert.Equal(StepState.Succeeded, lane.State);
        Assert.Equal("SUCCEEDED", lane.Attempts.Single().State);
        Assert.True(lane.StartedAt >= redrive.Summary.CreatedAt);
        Assert.Equal(["sales"], new LakeInspection(host.DataDirectory).CatalogTables("clean"));
        Assert.Single(new LakeInspection(host.DataDirectory).JobRuns());
    }

    [Fact]
    public async Task Entities_past_the_VisibilitySla_are_marked_late_and_those_within_it_are_not()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["VisibilitySla"] = "00:00:00.100";
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var late = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));

        Assert.Equal(RunStatus.Succeeded, late.Summary.Status);
        var crawl = late.Steps.Single(s => s.Id == "clean-crawler");
        Assert.All(late.Summary.Visibility!, v =>
        {
            Assert.True(v.Late, $"{v.Entity} is not marked late");
            Assert.Equal(crawl.EndedAt, v.CataloguedAt);
        });
        Assert.Equal(Healthy, late.Summary.Visibility!.Select(v => v.Entity).Order());
    }

    [Fact]
    public async Task An_entity_past_the_VisibilitySla_is_notified_once_as_entity_visibility_late_while_the_run_goes_on()
    {
        await using var receiver = await Notifications.WebhookReceiver.StartAsync(_ => Notifications.ReceiverAnswer.Ok);
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            Lanes(orchestrator);
            orchestrator["Pipelines"]!["data-preparation"]!["VisibilitySla"] = "00:00:00.100";
            Notifications.WebhookNotificationTests.Subscribe(orchestrator, receiver.Url, ["entity.visibility_late"], maxAttempts: 3, timeout: "00:00:05");
        });
        var runId = await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token);

        await Notifications.WebhookNotificationTests.SettledAsync(host, runId, expected: 4);

        var late = receiver.Posts.Select(p => p.Event).DistinctBy(e => e["id"]!.GetValue<string>()).ToList();
        Assert.Equal(Healthy.Append("returns").Order(), late.Select(e => e["data"]!["entity"]!.GetValue<string>()).Order());
        Assert.All(late, e =>
        {
            Assert.Equal("dev.orchestrator.entity.visibility_late", e["type"]!.GetValue<string>());
            Assert.Equal(0.1, e["data"]!["visibilitySlaSeconds"]!.GetValue<double>());
            Assert.Equal($"{runId}/job/{e["data"]!["entity"]}", e["subject"]!.GetValue<string>());
        });
    }

    [Fact]
    public async Task Without_lanes_every_entity_becomes_visible_with_the_pipelines_clean_crawl()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
            orchestrator["Pipelines"]!["data-preparation"]!["VisibilitySla"] = "01:00:00");
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));

        var crawl = run.Steps.Single(s => s.Id == "clean-crawler");
        Assert.Equal(Healthy, run.Summary.Visibility!.Select(v => v.Entity).Order());
        Assert.All(run.Summary.Visibility!, v => Assert.Equal((crawl.EndedAt, false), (v.CataloguedAt, v.Late)));
        var view = await host.Client.GetStringAsync($"/api/runs/{run.Summary.RunId}", Token);
        Assert.Contains("\"visibility\":[{\"entity\":", view, StringComparison.Ordinal);
    }

    static async Task WaitForAsync(RunQueries queries, string runId, Func<RunDetails, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition(await queries.GetAsync(runId, Token)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{runId} never reached the expected state");
            await Task.Delay(100, Token);
        }
    }
}
