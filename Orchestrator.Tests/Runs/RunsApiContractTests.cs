using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;

namespace Orchestrator.Tests.Runs;

/// <summary>
/// The runs API's contract after the split into commands and queries: cursors bound to their filters, one
/// exception-to-problem mapping, force-terminate through the orchestration, and derived fields kept out of the JSON.
/// </summary>
public sealed class RunsApiContractTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cursor_from_another_filter_an_older_version_or_edited_is_refused_naming_the_parameter()
    {
        await using var host = await TestHost.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var accepted = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "sales" } }, Token);
            ids.Add((await ApiPolling.UntilFinishedAsync(host.Client, accepted.Headers.Location!.ToString())).GetProperty("runId").GetString()!);
        }

        var first = await host.Client.GetFromJsonAsync<JsonElement>("/api/runs?pipeline=data-preparation&limit=1", Token);
        var cursor = first.GetProperty("nextCursor").GetString()!;

        // The same filters page on, whatever the page size.
        var next = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?pipeline=data-preparation&limit=5&cursor={Uri.EscapeDataString(cursor)}", Token);
        Assert.Equal([ids[0]], next.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));

        foreach (var other in new[] { "limit=1", "pipeline=data-preparation&status=Succeeded&limit=1", "pipeline=data-preparation&since=2020-01-01T00:00:00Z&limit=1" })
        {
            await AssertCursorRefusedAsync(host, $"/api/runs?{other}&cursor={Uri.EscapeDataString(cursor)}", "The cursor belongs to a listing with other filters");
        }

        var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        var edited = Convert.ToBase64String(Encoding.UTF8.GetBytes(text.Replace(ids[1], ids[0], StringComparison.Ordinal)));
        await AssertCursorRefusedAsync(host, $"/api/runs?pipeline=data-preparation&limit=1&cursor={Uri.EscapeDataString(edited)}", "The cursor was altered");

        // Version 1 was base64 of "ticks|runId", as every cursor before this change.
        var versionOne = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DateTime.UtcNow.Ticks}|{ids[1]}"));
        await AssertCursorRefusedAsync(host, $"/api/runs?pipeline=data-preparation&limit=1&cursor={Uri.EscapeDataString(versionOne)}", "The cursor is of version 1");
        var versionNine = Convert.ToBase64String(Encoding.UTF8.GetBytes($"0123456789abcdef|9|0123456789abcdef|1|{ids[1]}"));
        await AssertCursorRefusedAsync(host, $"/api/runs?pipeline=data-preparation&limit=1&cursor={Uri.EscapeDataString(versionNine)}", "The cursor is of version 9; this API reads version 2");
    }

    [Fact]
    public async Task An_unknown_run_is_the_same_404_problem_from_every_endpoint_and_shaped_like_the_frameworks_own()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        const string run = "/api/runs/data-preparation@nope";
        var responses = new List<HttpResponseMessage>
        {
            await host.Client.GetAsync(run, Token),
            await host.Client.GetAsync($"{run}/history", Token),
        };
        foreach (var action in new[] { "replay", "redrive", "terminate" })
        {
            responses.Add(await host.Client.PostAsJsonAsync($"{run}/{action}", new { }, Token));
        }

        var framework = await ProblemAsync(await host.Client.GetAsync("/api/nope", Token));
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var problem = await ProblemAsync(response);
            Assert.Equal(Members(framework), Members(problem));
            Assert.Equal(framework.GetProperty("type").GetString(), problem.GetProperty("type").GetString());
            Assert.Equal(framework.GetProperty("title").GetString(), problem.GetProperty("title").GetString());
            Assert.Equal(404, problem.GetProperty("status").GetInt32());
            Assert.Equal("There is no run 'data-preparation@nope'.", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Force_terminate_goes_through_the_orchestration_and_stops_the_job_run_with_an_activity()
    {
        // No raw crawler, and a job that stays RUNNING for two minutes: the force comes while Glue still runs it.
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline.Remove("RawCrawler");
            pipeline["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:00.500", ["MaxDelay"] = "00:00:00.500" };
            PipelineRunTests.AddEntity(orchestrator, "slow", source: "sales", new JsonObject { ["--rehearse_delay_seconds"] = "120" });
        });
        var accepted = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "slow" } }, Token);
        var location = accepted.Headers.Location!.ToString();
        var runId = (await accepted.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("runId").GetString()!;
        var glueRunId = await UntilAsync(async () =>
        {
            var run = await host.Client.GetFromJsonAsync<JsonElement>(location, Token);
            var step = run.GetProperty("steps").EnumerateArray().FirstOrDefault(s => s.GetProperty("id").GetString() == "job/slow");
            return step.ValueKind == JsonValueKind.Undefined ? null : step.GetProperty("attempts").EnumerateArray().Select(a => a.TryGetProperty("glueRunId", out var id) ? id.GetString() : null).FirstOrDefault(id => id is not null);
        });

        var terminate = await host.Client.PostAsJsonAsync($"{location}/terminate", new { reason = "worker wedged", force = true }, Token);
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);

        var ended = await ApiPolling.UntilFinishedAsync(host.Client, location);
        Assert.Equal("Terminated", ended.GetProperty("status").GetString());
        var history = await host.Client.GetFromJsonAsync<JsonElement>($"{location}/history", Token);
        var terminated = history.EnumerateArray().Last(e => e.GetProperty("eventType").GetString() == "ExecutionTerminated");
        Assert.Contains("worker wedged", terminated.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The Glue run is stopped by the force-stop orchestration's activity, recorded in its history.
        var store = host.Service<IOrchestrationServiceClient>();
        var stop = await UntilAsync(async () => await store.GetOrchestrationStateAsync(RunIds.ForceStop(runId), null) is { OrchestrationStatus: OrchestrationStatus.Completed } state ? state : null);
        Assert.Equal("0", stop.Output);
        var stopHistory = await store.GetOrchestrationHistoryAsync(RunIds.ForceStop(runId), null);
        Assert.Contains("StopJobRunActivity", stopHistory, StringComparison.Ordinal);
        Assert.Contains(glueRunId, stopHistory, StringComparison.Ordinal);
        var glue = host.Service<IGlueBackend>();
        var jobRun = await UntilAsync(async () => await glue.GetJobRunAsync("mystore-data-preparation-parquet", glueRunId, Token) is { State.IsTerminal: true } done ? done : null);
        Assert.Equal(JobRunState.Stopped, jobRun.State);
    }

    [Fact]
    public async Task Partitions_touched_is_derived_and_kept_out_of_the_REST_JSON()
    {
        await using var host = await TestHost.StartAsync();
        var accepted = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "sales" } }, Token);
        var run = await ApiPolling.UntilFinishedAsync(host.Client, accepted.Headers.Location!.ToString());

        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        var sales = run.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "job/sales");
        Assert.NotEmpty(sales.GetProperty("attempts")[0].GetProperty("details").GetProperty("partitionsAdded").EnumerateArray());
        Assert.All(run.GetProperty("steps").EnumerateArray(), step => Assert.False(step.TryGetProperty("partitionsTouched", out _), $"step {step.GetProperty("id")} has partitionsTouched"));
        var details = await host.Service<RunQueries>().GetAsync(run.GetProperty("runId").GetString()!, Token);
        Assert.NotEmpty(details.Steps.Single(s => s.Id == "job/sales").PartitionsTouched);
    }

    static async Task AssertCursorRefusedAsync(TestHost host, string path, string detail)
    {
        var response = await host.Client.GetAsync(path, Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal("cursor", problem.GetProperty("parameter").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("start again without it.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Token);
    }

    static string[] Members(JsonElement problem) => [.. problem.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    static async Task<T> UntilAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(200, Token);
        }
    }
}
