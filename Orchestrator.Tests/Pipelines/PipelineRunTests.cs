using System.Text.Json.Nodes;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Hosting;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>Whole runs on the embedded default: SQLite store, local Glue engine, real sample data.</summary>
public sealed class PipelineRunTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_run_prepares_every_entity_into_clean_Parquet_and_catalogs_it()
    {
        await using var host = await TestHost.StartAsync();
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var lake = new LakeInspection(host.DataDirectory);
        foreach (var entity in new[] { "customer", "customer_address", "sales" })
        {
            Assert.Equal(300, lake.CleanRows(entity));
            var step = run.Steps.Single(s => s.Id == $"job/{entity}");
            Assert.NotEmpty(step.PartitionsTouched);
            Assert.Equal(300, step.Attempts.Single().Details!.RowsWritten);
        }

        Assert.Equal(["customer", "customer_address", "sales"], lake.CatalogTables("clean"));
        Assert.Equal(StepState.Succeeded, run.Steps.Single(s => s.Id == "clean-crawler").State);
    }

    [Fact]
    public async Task A_job_that_keeps_failing_fails_the_run_after_MaxAttempts_and_the_clean_crawler_does_not_run()
    {
        await using var host = await TestHost.StartAsync(orchestrator => AddEntity(orchestrator, "returns", source: "returns"));
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));

        Assert.Equal(RunStatus.Failed, run.Summary.Status);
        Assert.Equal(["returns"], run.Summary.FailedEntities);
        var failing = run.Steps.Single(s => s.Id == "job/returns");
        Assert.Equal(StepState.Failed, failing.State);
        Assert.Equal(2, failing.Attempts.Count);
        Assert.All(failing.Attempts, a => Assert.Equal("FAILED", a.State));
        Assert.Contains("returns", failing.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(2, new LakeInspection(host.DataDirectory).JobRunsOf(run.Summary.RunId, "returns").Count);
        Assert.All(run.Steps.Where(s => s.Kind == StepKind.EntityJob && s.Name != "returns"), s => Assert.Equal(StepState.Succeeded, s.State));
        Assert.Equal(StepState.Skipped, run.Steps.Single(s => s.Id == "clean-crawler").State);
    }

    [Fact]
    public async Task Redrive_after_fixing_the_data_reruns_only_the_failed_entity_and_the_clean_crawler()
    {
        await using var host = await TestHost.StartAsync(orchestrator => AddEntity(orchestrator, "returns", source: "returns"));
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var failed = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));
        Assert.Equal(RunStatus.Failed, failed.Summary.Status);
        var lake = new LakeInspection(host.DataDirectory);
        var jobRunsBefore = lake.JobRuns().Count;

        await new Orchestrator.Glue.Local.SampleDataGenerator(host.LakeRoot, TimeProvider.System)
            .WriteAsync(new Orchestrator.Glue.Local.SampleDataOptions { Rows = 50, Days = 1, Entities = ["sales"] }, Token);
        CopyRaw(host.LakeRoot, from: "sales", to: "returns");
        var redrive = await RunToEndAsync(queries, await runs.RedriveAsync(failed.Summary.RunId, "data fixed", Token));

        Assert.Equal(RunStatus.Succeeded, redrive.Summary.Status);
        Assert.Equal(RunKind.Redrive, redrive.Summary.Kind);
        Assert.Equal(failed.Summary.RunId, redrive.Summary.OriginRunId);
        Assert.Equal(StepState.Succeeded, redrive.Steps.Single(s => s.Id == "job/returns").State);
        Assert.Equal(StepState.Succeeded, redrive.Steps.Single(s => s.Id == "clean-crawler").State);
        Assert.All(redrive.Steps.Where(s => s.Id is "raw-crawler" or "job/customer" or "job/customer_address" or "job/sales"),
            s => Assert.Equal(StepState.Reused, s.State));
        var newJobRuns = lake.JobRuns().Skip(jobRunsBefore).ToList();
        Assert.Single(newJobRuns);
        Assert.StartsWith($"{redrive.Summary.RunId}/returns/", newJobRuns[0].Marker, StringComparison.Ordinal);

        // The change feed: the redrive records only what it reran; what it reused stays recorded once, under its origin.
        var feed = host.Service<PartitionChangeFeed>();
        var ofRedrive = (await feed.ReadAsync(new ChangeFilter(RunId: redrive.Summary.RunId, Limit: 1000), Token)).Changes;
        var ofFailed = (await feed.ReadAsync(new ChangeFilter(RunId: failed.Summary.RunId, Limit: 1000), Token)).Changes;
        Assert.NotEmpty(ofRedrive);
        Assert.All(ofRedrive, c => Assert.Equal(("returns", newJobRuns[0].Id), (c.Entity, c.GlueRunId)));
        Assert.Equal(
            failed.Steps.Where(s => s.Kind == StepKind.EntityJob && s.Succeeded).SelectMany(s => s.PartitionsTouched.Select(p => $"{s.Name}|{p}")).Order(),
            ofFailed.Select(c => $"{c.Entity}|{c.Partition}").Order());
    }

    [Fact]
    public async Task Redrive_reruns_the_clean_crawler_when_an_entity_reruns_even_if_the_crawl_had_succeeded()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            AddEntity(orchestrator, "returns", source: "returns");
            orchestrator["Pipelines"]!["data-preparation"]!["CleanCrawlerWhen"] = "AnySucceeded";
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var failed = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));
        Assert.Equal(RunStatus.Failed, failed.Summary.Status);
        Assert.Equal(StepState.Succeeded, failed.Steps.Single(s => s.Id == "clean-crawler").State);

        CopyRaw(host.LakeRoot, from: "sales", to: "returns");
        var redrive = await RunToEndAsync(queries, await runs.RedriveAsync(failed.Summary.RunId, null, Token));

        Assert.Equal(RunStatus.Succeeded, redrive.Summary.Status);
        Assert.Equal(StepState.Succeeded, redrive.Steps.Single(s => s.Id == "clean-crawler").State);
        Assert.Contains("returns", new LakeInspection(host.DataDirectory).CatalogTables("clean"));
    }

    [Fact]
    public async Task A_start_refused_for_concurrency_is_retried_under_the_same_attempt_and_marker()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            orchestrator["Glue"]!["Local"]!["Jobs"]!["mystore-data-preparation-parquet"]!["MaxConcurrentRuns"] = 1;
            // Refused starts are retried every 0.2-1 s: 30 attempts outlast the slow job even on a loaded machine.
            orchestrator["Pipelines"]!["data-preparation"]!["Retry"]!["MaxAttempts"] = 30;
            AddEntity(orchestrator, "slow", source: "sales", new JsonObject { ["--rehearse_delay_seconds"] = "2" });
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(["slow", "sales"]), Token));

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        foreach (var entity in new[] { "slow", "sales" })
        {
            var attempt = run.Steps.Single(s => s.Id == $"job/{entity}").Attempts.Single();
            Assert.Equal(1, attempt.Number);
            Assert.Equal("SUCCEEDED", attempt.State);
            Assert.Single(new LakeInspection(host.DataDirectory).JobRunsOf(run.Summary.RunId, entity));
        }
    }

    [Fact]
    public async Task MaxParallelJobs_2_with_10_entities_never_runs_more_than_2_jobs_at_once()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            // Many more orchestration slots than jobs allowed: the window, not the dispatcher, must hold the limit.
            orchestrator["Store"]!["Sqlite"]!["MaxConcurrentOrchestrations"] = 64;
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["MaxParallelJobs"] = 2;
            var sources = new[] { "customer", "customer_address", "sales" };
            for (var i = 0; i < 10; i++)
            {
                AddEntity(orchestrator, $"copy{i}", source: sources[i % 3]);
            }

            foreach (var entity in sources)
            {
                pipeline["Entities"]!.AsObject().Remove(entity);
            }
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var jobRuns = new LakeInspection(host.DataDirectory).JobRuns().Where(r => r.Marker?.StartsWith(run.Summary.RunId, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(10, jobRuns.Count);
        Assert.Equal(2, LakeInspection.MaxOverlap(jobRuns));
        Assert.Equal(64, host.Service<StoreConnection>().Store.Service.MaxConcurrentTaskOrchestrationWorkItems);
    }

    [Fact]
    public async Task A_run_for_chosen_entities_runs_only_those()
    {
        await using var host = await TestHost.StartAsync();
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(["sales"], "just sales"), Token));

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        Assert.Equal(["raw-crawler", "job/sales", "clean-crawler"], run.Steps.Select(s => s.Id));
        Assert.Equal("just sales", run.Input!.Reason);
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_and_the_run_succeeds_with_both_attempts_recorded()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
            AddEntity(orchestrator, "flaky", source: "sales", new JsonObject { ["--rehearse_failures"] = "1" }));
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(["flaky"]), Token));

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var attempts = run.Steps.Single(s => s.Id == "job/flaky").Attempts;
        Assert.Equal(["FAILED", "SUCCEEDED"], attempts.Select(a => a.State));
        Assert.Contains("Rehearsed failure", attempts[0].ErrorMessage, StringComparison.Ordinal);
        Assert.NotEqual(attempts[0].GlueRunId, attempts[1].GlueRunId);
        Assert.Equal(300, attempts[1].Details!.RowsWritten);
    }

    [Fact]
    public async Task A_job_exceeding_its_timeout_is_stopped_and_retried()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            AddEntity(orchestrator, "slow", source: "sales", new JsonObject { ["--rehearse_delay_seconds"] = "60" });
            orchestrator["Pipelines"]!["data-preparation"]!["Entities"]!["slow"]!["JobTimeout"] = "00:00:02";
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var run = await RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(["slow"]), Token));

        Assert.Equal(RunStatus.Failed, run.Summary.Status);
        var step = run.Steps.Single(s => s.Id == "job/slow");
        Assert.Equal(["TIMEOUT", "TIMEOUT"], step.Attempts.Select(a => a.State));
        Assert.All(step.Attempts, a => Assert.Contains("longer than its timeout", a.ErrorMessage, StringComparison.Ordinal));
        var jobRuns = new LakeInspection(host.DataDirectory).JobRunsOf(run.Summary.RunId, "slow");
        Assert.Equal(2, jobRuns.Count);
        Assert.All(jobRuns, r => Assert.Equal("STOPPED", r.State));
    }

    [Fact]
    public async Task Terminating_a_run_stops_its_running_jobs_and_records_the_steps_last_states()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
            AddEntity(orchestrator, "slow", source: "sales", new JsonObject { ["--rehearse_delay_seconds"] = "60" }));
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var runId = await runs.StartAsync("data-preparation", new StartRunRequest(["slow", "sales"]), Token);
        var lake = new LakeInspection(host.DataDirectory);
        await WaitUntilAsync(() => lake.JobRunsOf(runId, "slow").Any(r => r.State == "RUNNING"));

        await runs.TerminateAsync(runId, "stop the slow one", cancellationToken: Token);
        var run = await RunToEndAsync(queries, runId);

        Assert.Equal(RunStatus.Terminated, run.Summary.Status);
        Assert.Equal("stop the slow one", run.Summary.Message);
        var slow = run.Steps.Single(s => s.Id == "job/slow");
        Assert.Equal(StepState.Stopped, slow.State);
        Assert.Equal("STOPPED", slow.Attempts.Single().State);
        Assert.Equal("STOPPED", lake.JobRunsOf(runId, "slow").Single().State);
        Assert.Equal(StepState.Skipped, run.Steps.Single(s => s.Id == "clean-crawler").State);
    }

    [Fact]
    public async Task Polling_a_long_job_keeps_the_step_history_small()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            AddEntity(orchestrator, "slow", source: "sales", new JsonObject { ["--rehearse_delay_seconds"] = "6" });
            orchestrator["Pipelines"]!["data-preparation"]!["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:00.100", ["MaxDelay"] = "00:00:00.100" };
        });
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var client = host.Service<DurableTask.Core.IOrchestrationServiceClient>();
        var runId = await runs.StartAsync("data-preparation", new StartRunRequest(["slow"]), Token);
        var largest = 0;
        var polls = 0;
        while ((await queries.GetAsync(runId, Token)).Summary.Status is RunStatus.Pending or RunStatus.Running)
        {
            var history = await client.GetOrchestrationHistoryAsync(Orchestrator.Activities.Runs.RunIds.Step(runId, "job/slow"), null);
            var events = System.Text.Json.JsonDocument.Parse(history).RootElement.GetArrayLength();
            largest = Math.Max(largest, events);
            polls++;
            await Task.Delay(200, Token);
        }

        var run = await queries.GetAsync(runId, Token);
        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        Assert.True(polls > 10, $"only looked {polls} times");
        Assert.InRange(largest, 1, 50);
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(100, Token);
        }
    }

    [Fact]
    public async Task A_failed_crawl_is_retried_per_CrawlerRetry_and_the_run_goes_on()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
            orchestrator["Pipelines"]!["data-preparation"]!["CrawlerRetry"] = new JsonObject { ["MaxAttempts"] = 2, ["FirstDelay"] = "00:00:03", ["MaxDelay"] = "00:00:03", ["Jitter"] = false });
        var bad = Path.Combine(host.LakeRoot, "raw", "returns", "ingest_date=2026-03-10", "ingest_hour=10");
        Directory.CreateDirectory(bad);
        await File.WriteAllTextAsync(Path.Combine(bad, "a.jsonl"), "{\"return_id\": 1}\n\n{\"return_id\": 2}\n", Token);
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();

        var runId = await runs.StartAsync("data-preparation", new StartRunRequest(["sales"]), Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await queries.GetAsync(runId, Token)).Steps.FirstOrDefault(s => s.Id == "raw-crawler")?.Attempts is not [{ EndedAt: not null }, ..])
        {
            Assert.True(DateTime.UtcNow < deadline, "the first crawl did not end");
            await Task.Delay(50, Token);
        }

        // The bad file is fixed while the step waits to crawl again.
        Directory.Delete(Path.Combine(host.LakeRoot, "raw", "returns"), recursive: true);
        var run = await RunToEndAsync(queries, runId);

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var attempts = run.Steps.Single(s => s.Id == "raw-crawler").Attempts;
        Assert.Equal(["FAILED", "SUCCEEDED"], attempts.Select(a => a.State));
        Assert.Contains("has an empty line 2", attempts[0].ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(300, new LakeInspection(host.DataDirectory).CleanRows("sales"));
    }

    internal static async Task<RunDetails> RunToEndAsync(RunQueries runs, string runId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var run = await runs.GetAsync(runId, Token);
            if (run.Summary.Status.IsFinished())
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{runId} is still {run.Summary.Status}");
            await Task.Delay(100, Token);
        }
    }

    internal static void AddEntity(JsonObject orchestrator, string name, string source, JsonObject? extraArguments = null)
    {
        var arguments = new JsonObject
        {
            ["--source_entity_name"] = source,
            ["--target_entity_name"] = name,
            ["--datetime_partition_column"] = source switch { "customer" => "created_datetime", "customer_address" => "updated_datetime", _ => "order_datetime" },
            ["--partition_key"] = "event_date",
        };
        foreach (var (key, value) in extraArguments ?? [])
        {
            arguments[key] = value?.DeepClone();
        }

        orchestrator["Pipelines"]!["data-preparation"]!["Entities"]![name] = new JsonObject
        {
            ["Job"] = "mystore-data-preparation-parquet",
            ["Arguments"] = arguments,
        };
    }

    internal static void CopyRaw(string lakeRoot, string from, string to)
    {
        var source = Path.Combine(lakeRoot, "raw", from);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(lakeRoot, "raw", to, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
