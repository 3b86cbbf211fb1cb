using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orchestrator.Tests.Hosting;

/// <summary>A run driven through the REST API on the embedded default, the way an operator does it.</summary>
public sealed class RunLifecycleApiTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_triggered_run_is_accepted_and_reaches_Succeeded()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "test" }, Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/api/runs/data-preparation@manual-", location, StringComparison.Ordinal);
        var run = await ApiPolling.UntilFinishedAsync(host.Client, location);
        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        var steps = run.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["raw-crawler", "job/customer", "job/customer_address", "job/sales", "clean-crawler"], steps.Select(s => s.GetProperty("id").GetString()));
        Assert.All(steps, s => Assert.Equal("Succeeded", s.GetProperty("state").GetString()));
        var sales = steps.Single(s => s.GetProperty("id").GetString() == "job/sales");
        var attempt = sales.GetProperty("attempts").EnumerateArray().Single();
        Assert.StartsWith("jr_", attempt.GetProperty("glueRunId").GetString(), StringComparison.Ordinal);
        Assert.Equal(300, attempt.GetProperty("details").GetProperty("rowsWritten").GetInt64());
    }
}

/// <summary>Polls a run until it is no longer pending or running.</summary>
public static class ApiPolling
{
    public static async Task<JsonElement> UntilFinishedAsync(HttpClient client, string location, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>(location, TestContext.Current.CancellationToken);
            var status = run.GetProperty("status").GetString();
            if (status is not ("Pending" or "Running"))
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{location} is still {status}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
