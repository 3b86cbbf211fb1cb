using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Tests.Hosting;

/// <summary>Every endpoint's happy path and each refusal, with RFC 7807 problem details a user can act on.</summary>
public sealed class ApiContractTests : IAsyncLifetime
{
    TestHost host = null!;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    HttpClient Client => host.Client;

    public async ValueTask InitializeAsync() => host = await TestHost.StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Pipelines_lists_the_configured_pipeline_with_its_entities()
    {
        var pipelines = await Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token);

        var pipeline = pipelines.EnumerateArray().Single();
        Assert.Equal("data-preparation", pipeline.GetProperty("name").GetString());
        Assert.Equal(["customer", "customer_address", "sales"], pipeline.GetProperty("entities").EnumerateArray().Select(e => e.GetString()));
        Assert.False(pipeline.GetProperty("paused").GetBoolean());
        Assert.Equal("Skip", pipeline.GetProperty("overlap").GetString());
    }

    [Fact]
    public async Task Trigger_refuses_malformed_json_unknown_entities_and_unknown_pipelines()
    {
        var malformed = await Client.PostAsync("/api/pipelines/data-preparation/runs", new StringContent("{\"entities\": [", Encoding.UTF8, "application/json"), Token);
        await AssertProblemAsync(malformed, HttpStatusCode.BadRequest, null);

        var unknownEntity = await Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "sales", "refunds" } }, Token);
        await AssertProblemAsync(unknownEntity, HttpStatusCode.BadRequest, "Unknown entities for pipeline 'data-preparation': refunds");

        var unknownPipeline = await Client.PostAsJsonAsync("/api/pipelines/nightly/runs", new { }, Token);
        await AssertProblemAsync(unknownPipeline, HttpStatusCode.NotFound, "There is no pipeline 'nightly'");
    }

    [Fact]
    public async Task A_trigger_while_a_run_is_active_under_Skip_is_a_conflict_and_terminating_it_stops_it()
    {
        await using var slow = await TestHost.StartAsync(SlowPolling);
        var first = await slow.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        var second = await slow.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
        await AssertProblemAsync(second, HttpStatusCode.Conflict, "Overlap policy is Skip");

        var location = first.Headers.Location!.ToString();
        var terminate = await slow.Client.PostAsJsonAsync($"{location}/terminate", new { reason = "wrong data" }, Token);
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        var run = await ApiPolling.UntilFinishedAsync(slow.Client, location);
        Assert.Equal("Terminated", run.GetProperty("status").GetString());
        Assert.Equal("wrong data", run.GetProperty("message").GetString());
        Assert.Contains(run.GetProperty("steps").EnumerateArray(), s => s.GetProperty("state").GetString() == "Stopped");

        var again = await slow.Client.PostAsJsonAsync($"{location}/terminate", new { }, Token);
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "only a pending or running run can be terminated");
    }

    [Fact]
    public async Task A_run_still_active_past_its_deadline_is_flagged()
    {
        await using var slow = await TestHost.StartAsync(orchestrator =>
        {
            SlowPolling(orchestrator);
            orchestrator["Pipelines"]!["data-preparation"]!["RunDeadline"] = "00:00:01";
        }, sampleRows: 0);
        var accepted = await slow.Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
        var location = accepted.Headers.Location!.ToString();

        await Task.Delay(1500, Token);
        var run = await slow.Client.GetFromJsonAsync<JsonElement>(location, Token);
        var listed = await slow.Client.GetFromJsonAsync<JsonElement>("/api/runs?status=Running", Token);

        Assert.Equal("Running", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("pastDeadline").GetBoolean());
        Assert.True(listed.GetProperty("runs")[0].GetProperty("pastDeadline").GetBoolean());
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_with_cursor_paging_and_filters()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var accepted = await Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "sales" } }, Token);
            var location = accepted.Headers.Location!.ToString();
            ids.Add((await ApiPolling.UntilFinishedAsync(Client, location)).GetProperty("runId").GetString()!);
        }

        var first = await Client.GetFromJsonAsync<JsonElement>("/api/runs?pipeline=data-preparation&limit=2", Token);
        var second = await Client.GetFromJsonAsync<JsonElement>($"/api/runs?pipeline=data-preparation&limit=2&cursor={Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!)}", Token);

        var listed = first.GetProperty("runs").EnumerateArray().Concat(second.GetProperty("runs").EnumerateArray()).Select(r => r.GetProperty("runId").GetString()).ToList();
        Assert.Equal(ids.AsEnumerable().Reverse(), listed);
        Assert.False(second.TryGetProperty("nextCursor", out var none) && none.ValueKind != JsonValueKind.Null);
        var succeeded = await Client.GetFromJsonAsync<JsonElement>("/api/runs?status=succeeded", Token);
        Assert.Equal(3, succeeded.GetProperty("runs").GetArrayLength());
        var failed = await Client.GetFromJsonAsync<JsonElement>("/api/runs?status=Failed", Token);
        Assert.Equal(0, failed.GetProperty("runs").GetArrayLength());
        var future = await Client.GetFromJsonAsync<JsonElement>($"/api/runs?since={DateTime.UtcNow.AddHours(1):O}", Token);
        Assert.Equal(0, future.GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task Run_listing_refuses_bad_filters_with_a_clear_detail()
    {
        await AssertProblemAsync(await Client.GetAsync("/api/runs?status=Done", Token), HttpStatusCode.BadRequest, "status 'Done' is not a run status");
        await AssertProblemAsync(await Client.GetAsync("/api/runs?limit=0", Token), HttpStatusCode.BadRequest, "limit '0' is not allowed; use a whole number from 1 to 500");
        await AssertProblemAsync(await Client.GetAsync("/api/runs?since=yesterday", Token), HttpStatusCode.BadRequest, "since 'yesterday' is not a time");
        await AssertProblemAsync(await Client.GetAsync("/api/runs?cursor=%%%", Token), HttpStatusCode.BadRequest, "cursor");
        await AssertProblemAsync(await Client.GetAsync("/api/runs?pipeline=nightly", Token), HttpStatusCode.NotFound, "There is no pipeline 'nightly'");
    }

    [Fact]
    public async Task Details_history_replay_and_redrive_of_a_finished_run()
    {
        var accepted = await Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { reason = "first" }, Token);
        var location = accepted.Headers.Location!.ToString();
        var run = await ApiPolling.UntilFinishedAsync(Client, location);
        Assert.Equal("first", run.GetProperty("input").GetProperty("reason").GetString());
        Assert.Equal(location, run.GetProperty("links").GetProperty("self").GetString());
        Assert.True(run.GetProperty("actions").GetProperty("canReplay").GetBoolean());
        Assert.False(run.GetProperty("actions").GetProperty("canRedrive").GetBoolean());

        var history = await Client.GetFromJsonAsync<JsonElement>($"{location}/history", Token);
        var types = history.EnumerateArray().Select(e => e.GetProperty("eventType").GetString()).ToList();
        Assert.Equal("ExecutionStarted", types.Skip(1).First());
        Assert.Contains("SubOrchestrationInstanceCompleted", types);
        Assert.Equal("ExecutionCompleted", types[^2]);

        var redrive = await Client.PostAsJsonAsync($"{location}/redrive", new { }, Token);
        await AssertProblemAsync(redrive, HttpStatusCode.Conflict, "only failed or terminated runs can be redriven");

        var replay = await Client.PostAsJsonAsync($"{location}/replay", new { reason = "again" }, Token);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var replayed = await ApiPolling.UntilFinishedAsync(Client, replay.Headers.Location!.ToString());
        Assert.Equal("Replay", replayed.GetProperty("kind").GetString());
        Assert.Equal(run.GetProperty("runId").GetString(), replayed.GetProperty("originRunId").GetString());
        Assert.Equal("again", replayed.GetProperty("input").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Unknown_runs_are_404_for_every_run_endpoint()
    {
        foreach (var path in new[] { "/api/runs/data-preparation@nope", "/api/runs/data-preparation@nope/history" })
        {
            await AssertProblemAsync(await Client.GetAsync(path, Token), HttpStatusCode.NotFound, "There is no run 'data-preparation@nope'");
        }

        foreach (var action in new[] { "replay", "redrive", "terminate" })
        {
            await AssertProblemAsync(await Client.PostAsJsonAsync($"/api/runs/data-preparation@nope/{action}", new { }, Token), HttpStatusCode.NotFound, "There is no run");
        }
    }

    [Fact]
    public async Task Pause_and_resume_are_shown_in_the_pipeline_list()
    {
        var pause = await Client.PostAsJsonAsync("/api/pipelines/data-preparation/schedule/pause", new { reason = "lake maintenance" }, Token);
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        var paused = (await Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token)).EnumerateArray().Single();
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.Equal("lake maintenance", paused.GetProperty("pauseReason").GetString());

        // A change without a body still says it is JSON: that is what keeps other sites from sending it.
        var resume = await Client.PostAsync("/api/pipelines/data-preparation/schedule/resume", EmptyJson(), Token);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.False((await Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token)).EnumerateArray().Single().GetProperty("paused").GetBoolean());

        await AssertProblemAsync(await Client.PostAsync("/api/pipelines/nightly/schedule/pause", EmptyJson(), Token), HttpStatusCode.NotFound, "There is no pipeline 'nightly'");
    }

    [Fact]
    public async Task Health_readiness_metrics_and_the_OpenAPI_document_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/readyz", Token)).StatusCode);
        var accepted = await Client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, Token);
        await ApiPolling.UntilFinishedAsync(Client, accepted.Headers.Location!.ToString());

        var metrics = await Client.GetStringAsync("/metrics", Token);
        Assert.Contains("orchestrator_runs_started_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("orchestrator_runs_finished_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("orchestrator_glue_api_calls_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("orchestrator_run_duration_seconds_bucket{", metrics, StringComparison.Ordinal);

        var openApi = await Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Token);
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/runs", paths);
        Assert.Contains("/api/runs/{id}/redrive", paths);
        Assert.Contains("/api/pipelines/{name}/runs", paths);
    }

    static void SlowPolling(JsonObject orchestrator) =>
        orchestrator["Pipelines"]!["data-preparation"]!["Poll"] = new JsonObject { ["FirstDelay"] = "00:05:00", ["MaxDelay"] = "00:05:00" };

    /// <summary>A request that is JSON without a body: Content-Type application/json, Content-Length 0.</summary>
    internal static HttpContent EmptyJson() => new ByteArrayContent([]) { Headers = { ContentType = new("application/json") } };

    /// <summary>The status, problem+json, and a detail that says what was wrong (containing <paramref name="detail"/> when given).</summary>
    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        var text = problem.TryGetProperty("detail", out var given) ? given.GetString() : null;
        Assert.False(string.IsNullOrWhiteSpace(text), $"the {(int)status} problem has no detail");
        if (detail is not null)
        {
            Assert.Contains(detail, text, StringComparison.Ordinal);
        }
    }
}
