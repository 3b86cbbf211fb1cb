using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Orchestrator.Tests.Pipelines;

namespace Orchestrator.Tests.Hosting;

/// <summary>The orchestrator binary's verbs and exit codes, run as a user runs them.</summary>
public sealed class CommandLineTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Config_check_lists_every_problem_of_a_broken_file_and_exits_2()
    {
        var config = await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            orchestrator["Store"]!["Provider"] = "Postgres";
            orchestrator["Store"]!["SqlServer"]!["LockTimeout"] = "00:00:01";
            orchestrator["Glue"]!["Backend"] = "Azure";
            orchestrator["Retention"]!["Days"] = "a month";
            orchestrator["Api"]!["ProtectReads"] = true;
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["Schedule"] = "every half hour";
            pipeline["Overlap"] = "Sometimes";
            pipeline["Retry"]!["FirstDelay"] = "-00:00:30";
            pipeline["Entities"]!["sales"]!.AsObject().Remove("Job");
        }, sampleRows: 0);

        var (exitCode, output) = await HostProcess.RunAsync(["config", "check", "--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Orchestrator:Store:Provider: 'Postgres' is not a store provider; use Sqlite or SqlServer.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Glue:Backend: 'Azure' is not a Glue backend", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Retention:Days: 'a month' is not allowed; use a whole number", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Store:SqlServer:LockTimeout: 00:00:01 is too short; the SQL Server provider needs at least 00:00:10.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Api:ProtectReads: true, but no Keys are listed", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Pipelines:data-preparation:Schedule: 'every half hour' is not a cron expression", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Pipelines:data-preparation:Overlap: 'Sometimes' is not allowed; use Skip, Queue, Allow.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Pipelines:data-preparation:Retry:FirstDelay: -00:00:30 must be longer than zero.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Pipelines:data-preparation:Entities:sales:Job: every entity needs", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_of_the_shipped_file_is_OK()
    {
        var (exitCode, output) = await HostProcess.RunAsync(["config", "check", "--config", RepositoryRoot.File("appsettings.json")]);

        Assert.Equal(0, exitCode);
        Assert.Contains("configuration OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_exits_0_when_the_run_succeeds_and_prints_a_summary()
    {
        var config = await TestHost.WriteConfigAsync(directory);

        var (exitCode, output) = await HostProcess.RunAsync(["run", "data-preparation", "--entity", "sales", "--config", config]);

        Assert.Equal(0, exitCode);
        Assert.Contains("job/sales", output, StringComparison.Ordinal);
        Assert.Matches(@"run data-preparation@manual-\w+: Succeeded", output);
        // Two crawls billed ten minutes on 2 DPUs and one job a minute on G.1X × 2: 2520 DPU-seconds at $0.44 per DPU-hour.
        Assert.Contains("cost: ≈$0.308 (2520 DPU-seconds, 0.70 DPU-hours), estimated", output, StringComparison.Ordinal);
        Assert.Equal(300, new LakeInspection(Path.Combine(directory.Path, "data")).CleanRows("sales"));
    }

    [Fact]
    public async Task Run_exits_1_when_a_job_fails()
    {
        var config = await TestHost.WriteConfigAsync(directory, orchestrator => PipelineRunTests.AddEntity(orchestrator, "returns", source: "returns"));

        var (exitCode, output) = await HostProcess.RunAsync(["run", "data-preparation", "--entity", "returns", "--config", config]);

        Assert.Equal(1, exitCode);
        Assert.Matches(@": Failed - returns: FAILED", output);
    }

    [Fact]
    public async Task Run_exits_2_for_usage_and_configuration_errors()
    {
        var config = await TestHost.WriteConfigAsync(directory, sampleRows: 0);

        var unknownPipeline = await HostProcess.RunAsync(["run", "nightly", "--config", config]);
        var unknownEntity = await HostProcess.RunAsync(["run", "data-preparation", "--entity", "refunds", "--config", config]);
        var missingArgument = await HostProcess.RunAsync(["run", "--config", config]);
        var missingFile = await HostProcess.RunAsync(["run", "data-preparation", "--config", Path.Combine(directory.Path, "nope.json")]);

        Assert.Equal((2, true), (unknownPipeline.ExitCode, unknownPipeline.Output.Contains("There is no pipeline 'nightly'", StringComparison.Ordinal)));
        Assert.Equal((2, true), (unknownEntity.ExitCode, unknownEntity.Output.Contains("Unknown entities for pipeline 'data-preparation': refunds", StringComparison.Ordinal)));
        Assert.Equal(2, missingArgument.ExitCode);
        Assert.Equal((2, true), (missingFile.ExitCode, missingFile.Output.Contains("nope.json' does not exist", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sample_data_is_the_same_for_the_same_seed()
    {
        var first = await TestHost.WriteConfigAsync(directory, sampleRows: 0);
        using var other = new TempDirectory();
        var second = await TestHost.WriteConfigAsync(other, sampleRows: 0);

        var one = await HostProcess.RunAsync(["sample-data", "--rows", "200", "--days", "1", "--seed", "7", "--config", first]);
        var two = await HostProcess.RunAsync(["sample-data", "--rows", "200", "--days", "1", "--seed", "7", "--config", second]);

        Assert.Equal(0, one.ExitCode);
        Assert.Equal(0, two.ExitCode);
        Assert.Contains("sales", one.Output, StringComparison.Ordinal);
        Assert.Equal(RawZoneFingerprint(directory.Path), RawZoneFingerprint(other.Path));
    }

    [Fact]
    public async Task Serve_refuses_to_listen_publicly_without_API_keys()
    {
        var config = await TestHost.WriteConfigAsync(directory, sampleRows: 0);

        var (exitCode, output) = await HostProcess.RunAsync(["serve", "--config", config, "--urls", $"http://0.0.0.0:{TestHost.FreePort()}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Refusing to listen on http://0.0.0.0", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Api:Keys", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_public_Kestrel_endpoint_without_API_keys_too()
    {
        var config = await TestHost.WriteConfigAsync(directory, sampleRows: 0);
        var file = JsonNode.Parse(await File.ReadAllTextAsync(config, Token))!;
        var port = TestHost.FreePort();
        file["Kestrel"] = new JsonObject { ["Endpoints"] = new JsonObject { ["Http"] = new JsonObject { ["Url"] = $"http://0.0.0.0:{port}" } } };
        await File.WriteAllTextAsync(config, file.ToJsonString(), Token);

        var (exitCode, output) = await HostProcess.RunAsync(["serve", "--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Refusing to listen on http://0.0.0.0:{port}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_stops_on_an_unusable_store_with_one_line_naming_the_setting()
    {
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "notes.db"), "not a database", Token);
        var config = await TestHost.WriteConfigAsync(directory, orchestrator => orchestrator["Store"]!["Sqlite"]!["Path"] = Path.Combine(directory.Path, "notes.db"), sampleRows: 0);

        var (exitCode, output) = await HostProcess.RunAsync(["serve", "--config", config, "--urls", $"http://127.0.0.1:{TestHost.FreePort()}"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("Orchestrator:Store:Sqlite:Path: The store file", output.Trim(), StringComparison.Ordinal);
        Assert.Contains("is not a SQLite database", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_stops_with_one_line_when_SQL_Server_is_unreachable_or_not_configured()
    {
        var unreachable = await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            orchestrator["Store"]!["Provider"] = "SqlServer";
            orchestrator["Store"]!["SqlServer"]!["ConnectionString"] = "Server=127.0.0.1,1;Database=orchestrator;User Id=sa;Password=x;Encrypt=false;Connect Timeout=2";
        }, sampleRows: 0);
        var (exitCode, output) = await HostProcess.RunAsync(["serve", "--config", unreachable, "--urls", $"http://127.0.0.1:{TestHost.FreePort()}"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("Orchestrator:Store:SqlServer:ConnectionString: cannot use SQL Server:", output.Trim(), StringComparison.Ordinal);

        using var other = new TempDirectory();
        var empty = await TestHost.WriteConfigAsync(other, orchestrator => orchestrator["Store"]!["Provider"] = "SqlServer", sampleRows: 0);
        var missing = await HostProcess.RunAsync(["serve", "--config", empty, "--urls", $"http://127.0.0.1:{TestHost.FreePort()}"]);

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Orchestrator:Store:SqlServer:ConnectionString: empty", missing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JSON_logs_carry_the_run_pipeline_and_step_and_never_the_API_key()
    {
        const string key = "secret-key-that-must-not-be-logged";
        var config = await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            orchestrator["Logging"]!["Json"] = true;
            orchestrator["Api"]!["Keys"] = new JsonArray(key);
        });
        var file = JsonNode.Parse(await File.ReadAllTextAsync(config, Token))!;
        file["Serilog"]!["MinimumLevel"]!["Default"] = "Information";
        await File.WriteAllTextAsync(config, file.ToJsonString(), Token);
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        using var host = HostProcess.Start(["serve", "--config", config, "--urls", url]);
        await host.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
        var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "sales" } }, Token);
        var run = await ApiPolling.UntilFinishedAsync(client, accepted.Headers.Location!.ToString());
        var runId = run.GetProperty("runId").GetString();
        Assert.Equal(0, (await host.TerminateAsync(TimeSpan.FromSeconds(40))).ExitCode);

        var events = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        var runEvents = events.Where(e => e["RunId"]?.GetValue<string>() == runId).ToList();
        Assert.Contains(runEvents, e => e["Pipeline"]?.GetValue<string>() == "data-preparation" && e["Step"] is null);
        Assert.Contains(runEvents, e => e["Step"]?.GetValue<string>() == "job/sales" && e["GlueRunId"]?.GetValue<string>().StartsWith("jr_", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(key, host.Output, StringComparison.Ordinal);
        // The request log, through the logger it is given once, still names its source and the request.
        Assert.Contains(events, e => e["SourceContext"]?.GetValue<string>() == "Serilog.AspNetCore.RequestLoggingMiddleware"
            && e["RequestPath"]?.GetValue<string>() == "/api/pipelines/data-preparation/runs" && e["StatusCode"]?.GetValue<int>() == 202);
    }

    [Fact]
    public async Task SIGTERM_drains_the_worker_and_a_restart_finishes_the_run()
    {
        var config = await TestHost.WriteConfigAsync(directory, orchestrator =>
            orchestrator["Pipelines"]!["data-preparation"]!["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:03", ["MaxDelay"] = "00:00:03" });
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url) };

        string location;
        using (var first = HostProcess.Start(["serve", "--config", config, "--urls", url]))
        {
            await first.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
            var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
            location = accepted.Headers.Location!.ToString();
            await Task.Delay(1000, Token);
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        }

        using var second = HostProcess.Start(["serve", "--config", config, "--urls", url]);
        await second.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
        var run = await ApiPolling.UntilFinishedAsync(client, location);
        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_run_left_by_a_killed_run_verb_is_taken_over_by_the_next_run_verb()
    {
        var config = await TestHost.WriteConfigAsync(directory, SlowJobs);
        var lake = new LakeInspection(Path.Combine(directory.Path, "data"));

        string runId;
        using (var killed = HostProcess.Start(["run", "data-preparation", "--config", config]))
        {
            await killed.WaitForOutputAsync("started run ", TimeSpan.FromSeconds(60));
            runId = killed.Output.Split("started run ")[1].Split('\n')[0].Trim();
            await WaitUntilAsync(() => lake.JobRuns().Any(r => r.Marker?.StartsWith(runId, StringComparison.Ordinal) == true && r.State == "RUNNING"));
            killed.Kill();
            await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var (exitCode, output) = await HostProcess.RunAsync(["run", "data-preparation", "--config", config], TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0, output);
        Assert.Contains($"taking over run {runId}", output, StringComparison.Ordinal);
        Assert.Contains($"run {runId}: Succeeded", output, StringComparison.Ordinal);
        foreach (var entity in new[] { "customer", "customer_address", "sales" })
        {
            Assert.Equal(300, lake.CleanRows(entity));
            Assert.All(lake.JobRunsOf(runId, entity).GroupBy(r => r.Marker), marker => Assert.Single(marker));
        }
    }

    [Fact]
    public async Task Run_refuses_a_run_a_live_host_carries_and_names_that_host()
    {
        var config = await TestHost.WriteConfigAsync(directory, SlowJobs);
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        using var serve = HostProcess.Start(["serve", "--config", config, "--urls", url]);
        await serve.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
        var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
        var runId = accepted.Headers.Location!.ToString().Split('/')[^1];

        var (exitCode, output) = await HostProcess.RunAsync(["run", "data-preparation", "--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Run '{runId}' of pipeline 'data-preparation' is still", output, StringComparison.Ordinal);
        Assert.Contains($"carried by the live host on {Environment.MachineName} (process {serve.Id},", output, StringComparison.Ordinal);
    }

    /// <summary>Jobs that stay RUNNING two seconds before they work, so a process can be killed while they run.</summary>
    static void SlowJobs(JsonObject orchestrator)
    {
        foreach (var (_, entity) in orchestrator["Pipelines"]!["data-preparation"]!["Entities"]!.AsObject())
        {
            entity!["Arguments"]!["--rehearse_delay_seconds"] = "2";
        }
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(50, Token);
        }
    }

    static string RawZoneFingerprint(string root)
    {
        var raw = Path.Combine(root, "data", "lake", "raw");
        var files = Directory.EnumerateFiles(raw, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(raw, f)}:{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}");
        return string.Join('\n', files);
    }

    public void Dispose() => directory.Dispose();
}
