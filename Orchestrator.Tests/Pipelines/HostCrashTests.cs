using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>The service killed with SIGKILL in the middle of a run, on the embedded default, then started again.</summary>
public sealed class HostCrashTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_killed_in_the_middle_of_the_fan_out_resumes_and_starts_each_job_exactly_once()
    {
        // One job at a time, polled every 3 s: the kill lands after the first job finished and before the next starts.
        var config = await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["MaxParallelJobs"] = 1;
            pipeline["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:03", ["MaxDelay"] = "00:00:03" };
        });
        var lake = new LakeInspection(Path.Combine(directory.Path, "data"));
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url) };

        string location, runId;
        using (var first = HostProcess.Start(["serve", "--config", config, "--urls", url]))
        {
            await first.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
            var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
            location = accepted.Headers.Location!.ToString();
            runId = location.Split('/')[^1];
            await WaitUntilAsync(() => lake.JobRuns().Count(r => r.Marker?.StartsWith(runId, StringComparison.Ordinal) == true && r.State == "SUCCEEDED") == 1);
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var beforeRestart = lake.JobRuns().Where(r => r.Marker?.StartsWith(runId, StringComparison.Ordinal) == true).ToList();
        Assert.Single(beforeRestart);

        using var second = HostProcess.Start(["serve", "--config", config, "--urls", url]);
        await second.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
        var run = await ApiPolling.UntilFinishedAsync(client, location, TimeSpan.FromMinutes(3));

        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        foreach (var entity in new[] { "customer", "customer_address", "sales" })
        {
            Assert.Single(lake.JobRunsOf(runId, entity));
            Assert.Equal(300, lake.CleanRows(entity));
        }
    }

    [Fact]
    public async Task A_host_killed_during_the_raw_crawl_comes_back_and_the_run_succeeds()
    {
        var report = await SoakAsync([SoakPhase.RawCrawl]);

        Assert.Equal(SoakPhase.RawCrawl, Assert.Single(report.Kills).Hit);
        AssertCostNothing(report);
    }

    [Fact]
    public async Task A_host_killed_during_the_clean_crawl_comes_back_and_the_run_succeeds()
    {
        var report = await SoakAsync([SoakPhase.CleanCrawl]);

        Assert.Equal(SoakPhase.CleanCrawl, Assert.Single(report.Kills).Hit);
        AssertCostNothing(report);
    }

    [Fact]
    public async Task Three_host_kills_during_the_fan_out_with_MaxAttempts_3_cost_no_attempt_and_the_run_succeeds()
    {
        var report = await SoakAsync([SoakPhase.FanOut, SoakPhase.FanOut, SoakPhase.FanOut]);

        Assert.All(report.Kills, k => Assert.Equal(SoakPhase.FanOut, k.Hit));
        AssertCostNothing(report);
    }

    /// <summary>Kills the host at each target (MaxAttempts 3, crawls and jobs slowed so each phase can be hit).</summary>
    Task<SoakReport> SoakAsync(SoakPhase[] targets) =>
        HostSoak.RunAsync(new SoakOptions(targets, Seed: 7, directory.Path), Token);

    /// <summary>The run succeeded, every step's failures are interruptions, one job run per marker, every row once.</summary>
    static void AssertCostNothing(SoakReport report)
    {
        Assert.True(report.Status == "Succeeded", $"run {report.RunId} ended {report.Status}: {string.Join("; ", report.Steps)}");
        Assert.All(report.Steps, s => Assert.True(s.State == "Succeeded" && s.Attempts > 0 && s.CountedFailures.Count == 0, $"{s.Id}: {s.State}, {string.Join(", ", s.CountedFailures)}"));
        Assert.All(report.JobRunsPerMarker, m => Assert.Equal(1, m.Value));
        Assert.All(report.Rows, r => Assert.Equal(r.Value.Raw, r.Value.Clean));
        Assert.All(report.Kills, k => Assert.True(k.Recovery < TimeSpan.FromSeconds(5), $"kill {k.Number}: recovery {k.Recovery}"));
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

    public void Dispose() => directory.Dispose();
}
