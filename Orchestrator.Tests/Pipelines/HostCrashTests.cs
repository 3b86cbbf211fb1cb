using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
