using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;
using Orchestrator.Tests.Glue.Aws;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// Whole runs through the AWS backend against moto_server, an independent implementation of Glue's API: the
/// orchestrator binary runs as a user runs it, with AWS credentials from its environment.
/// </summary>
public sealed class MotoPipelineTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>, IDisposable
{
    readonly TempDirectory directory = new();
    readonly AwsGlueHarness glue = AwsGlueHarness.Create(moto.SkipReason is null ? moto.Url : null);

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static Dictionary<string, string> Environment => AwsGlueHarness.ProcessEnvironment;

    [Fact]
    public async Task A_run_against_moto_succeeds_with_one_job_run_per_entity()
    {
        var names = await CreateGlueResourcesAsync();
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "manual", "times": 2}""");
        var config = await WriteConfigAsync(names, extraEntity: null);

        var (exitCode, output) = await HostProcess.RunAsync(["run", "data-preparation", "--config", config], environment: Environment);

        Assert.True(exitCode == 0, output);
        var runId = RunIdIn(output);
        var runs = await JobRunsAsync(names.Job, runId);
        Assert.Equal(["customer", "customer_address", "sales"], runs.Select(r => r.Marker!.Split('/')[1]).Order());
        Assert.All(runs, r => Assert.Equal(JobRunState.Succeeded, r.State));
    }

    [Fact]
    public async Task An_unknown_job_fails_its_step_at_once_and_the_run_fails_without_the_clean_crawler()
    {
        var names = await CreateGlueResourcesAsync();
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "manual", "times": 1}""");
        var config = await WriteConfigAsync(names, extraEntity: "returns");

        var (exitCode, output) = await HostProcess.RunAsync(["run", "data-preparation", "--config", config], environment: Environment);

        Assert.True(exitCode == 1, output);
        Assert.Contains("returns: EntityNotFoundException", output, StringComparison.Ordinal);
        Assert.Matches(@"clean-crawler\s+Skipped", output);
        Assert.Matches(@"job/returns\s+Failed\s+1 ", output);
        Assert.Equal(3, (await JobRunsAsync(names.Job, RunIdIn(output))).Count);
    }

    [Fact]
    public async Task A_host_killed_in_the_middle_of_the_fan_out_resumes_and_starts_each_job_exactly_once()
    {
        var names = await CreateGlueResourcesAsync();
        // Job runs stay RUNNING for many polls, so the kill lands while they are in flight at "AWS".
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "manual", "times": 12}""");
        var config = await WriteConfigAsync(names, extraEntity: null, maxParallelJobs: 2);
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url) };

        string location;
        using (var first = HostProcess.Start(["serve", "--config", config, "--urls", url], Environment))
        {
            await first.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
            var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
            location = accepted.Headers.Location!.ToString();
            var runId = location.Split('/')[^1];
            await WaitUntilAsync(async () => (await JobRunsAsync(names.Job, runId)).Count >= 2);
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using var second = HostProcess.Start(["serve", "--config", config, "--urls", url], Environment);
        await second.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
        var run = await ApiPolling.UntilFinishedAsync(client, location, TimeSpan.FromMinutes(2));

        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        var jobRuns = await JobRunsAsync(names.Job, run.GetProperty("runId").GetString()!);
        Assert.Equal(["customer", "customer_address", "sales"], jobRuns.Select(r => r.Marker!.Split('/')[1]).Order());
        // No manifest of the partitions written reaches moto: a warning on each job step's attempt, never a failed step.
        Assert.All(run.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("kind").GetString() == "EntityJob"),
            step => Assert.False(string.IsNullOrWhiteSpace(step.GetProperty("attempts").EnumerateArray().Last().GetProperty("warning").GetString())));
    }

    async Task<(string Raw, string Clean, string Job)> CreateGlueResourcesAsync()
    {
        if (moto.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var names = ($"raw-{suffix}", $"clean-{suffix}", $"prep-{suffix}");
        foreach (var crawler in new[] { names.Item1, names.Item2 })
        {
            await CallAsync("CreateCrawler", new JsonObject
            {
                ["Name"] = crawler,
                ["Role"] = "arn:aws:iam::123456789012:role/glue",
                ["DatabaseName"] = "raw",
                ["Targets"] = new JsonObject { ["S3Targets"] = new JsonArray(new JsonObject { ["Path"] = "s3://lake/raw/" }) },
            });
        }

        await CallAsync("CreateJob", new JsonObject
        {
            ["Name"] = names.Item3,
            ["Role"] = "arn:aws:iam::123456789012:role/glue",
            ["Command"] = new JsonObject { ["Name"] = "glueetl", ["ScriptLocation"] = "s3://lake/scripts/data_preparation.py" },
            ["ExecutionProperty"] = new JsonObject { ["MaxConcurrentRuns"] = 10 },
        });
        await moto.SetTransitionAsync("glue::crawl", """{"progression": "time", "seconds": 1}""");
        return names;
    }

    async Task<string> WriteConfigAsync((string Raw, string Clean, string Job) names, string? extraEntity, int maxParallelJobs = 8) =>
        await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            orchestrator["Glue"]!["Backend"] = "Aws";
            orchestrator["Glue"]!["Aws"] = new JsonObject { ["Region"] = AwsGlueHarness.Region, ["ServiceUrl"] = moto.Url };
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["RawCrawler"] = names.Raw;
            pipeline["CleanCrawler"] = names.Clean;
            pipeline["MaxParallelJobs"] = maxParallelJobs;
            foreach (var (_, entity) in pipeline["Entities"]!.AsObject())
            {
                entity!["Job"] = names.Job;
            }

            if (extraEntity is not null)
            {
                PipelineRunTests.AddEntity(orchestrator, extraEntity, "sales");
                pipeline["Entities"]![extraEntity]!["Job"] = "no-such-job";
            }
        }, sampleRows: 0);

    /// <summary>This run's job runs in moto, found by their marker argument.</summary>
    async Task<List<GlueJobRun>> JobRunsAsync(string job, string runId)
    {
        var response = await CallAsync("GetJobRuns", new JsonObject { ["JobName"] = job, ["MaxResults"] = 200 });
        var runs = new List<GlueJobRun>();
        foreach (var run in response["JobRuns"]!.AsArray())
        {
            var marker = run!["Arguments"]?[GlueArguments.RunMarker]?.GetValue<string>();
            if (marker?.StartsWith($"{runId}/", StringComparison.Ordinal) == true)
            {
                runs.Add(await glue.Backend.GetJobRunAsync(job, run["Id"]!.GetValue<string>(), Token));
            }
        }

        return runs;
    }

    Task<JsonObject> CallAsync(string operation, JsonObject request) =>
        glue.Client.SendAsync(operation, request, TestGlueJsonContext.Default.JsonObject, TestGlueJsonContext.Default.JsonObject, GlueRetryScope.AllTransient, Token);

    static string RunIdIn(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"started run (\S+)").Groups[1].Value;

    static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(100, Token);
        }
    }

    public void Dispose()
    {
        glue.Dispose();
        directory.Dispose();
    }
}
