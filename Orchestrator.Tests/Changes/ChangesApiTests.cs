using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue.Local;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;

namespace Orchestrator.Tests.Changes;

/// <summary><c>GET /api/changes</c> on the real service over the local engine: what runs wrote, in commit order, after a cursor.</summary>
public sealed class ChangesApiTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_runs_on_sample_data_the_feed_lists_their_partitions_added_then_updated_and_resumes_after_its_cursor()
    {
        await using var host = await TestHost.StartAsync();
        var runs = host.Service<RunCommands>();
        var queries = host.Service<RunQueries>();
        var first = await PipelineRunTests.RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));
        Assert.Equal(RunStatus.Succeeded, first.Summary.Status);

        var page = await GetAsync(host, "/api/changes?pipeline=data-preparation&limit=500");
        var changes = page["changes"]!.AsArray();
        var cursor = (string)page["nextCursor"]!;

        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.Equal(("Added", first.Summary.RunId, "clean"), ((string)c!["change"]!, (string)c["runId"]!, (string)c["cleanDatabase"]!)));
        Assert.Equal(["customer", "customer_address", "sales"], changes.Select(c => (string)c!["entity"]!).Distinct().Order());
        foreach (var step in first.Steps.Where(s => s.Kind == StepKind.EntityJob))
        {
            // What the run page shows per step is what the feed holds for it.
            Assert.Equal(step.PartitionsTouched.Order(), changes.Where(c => (string)c!["entity"]! == step.Name).Select(c => (string)c!["partition"]!).Order());
            Assert.Equal(step.PartitionsTouched.Count, step.Attempts.Single().PartitionChanges);

            // Rows and files as the local engine committed them: every row the job wrote is in exactly one change.
            var ofStep = changes.Where(c => (string)c!["entity"]! == step.Name).ToList();
            Assert.Equal(step.Attempts.Single().Details!.RowsWritten, ofStep.Sum(c => (long)c!["rowsAdded"]!));
            Assert.All(ofStep, c => Assert.True((int)c!["filesAdded"]! >= 1, $"{c["partition"]} has no file"));
        }

        // More raw data, ingested a day later (new files), with events of days already in the clean zone.
        await new SampleDataGenerator(host.LakeRoot, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1))).WriteAsync(new SampleDataOptions { Rows = 100, Days = 2, Seed = 7 }, Token);
        var second = await PipelineRunTests.RunToEndAsync(queries, await runs.StartAsync("data-preparation", new StartRunRequest(), Token));
        Assert.Equal(RunStatus.Succeeded, second.Summary.Status);
        var resumed = (await GetAsync(host, $"/api/changes?pipeline=data-preparation&limit=500&after={Uri.EscapeDataString(cursor)}"))["changes"]!.AsArray();

        Assert.NotEmpty(resumed);
        Assert.All(resumed, c => Assert.Equal(second.Summary.RunId, (string)c!["runId"]!));
        Assert.Contains(resumed, c => (string)c!["change"]! == "Updated");
        Assert.True(resumed.Min(c => (long)c!["sequence"]!) > changes.Max(c => (long)c!["sequence"]!));
        var salesOfSecond = (await GetAsync(host, $"/api/changes?entity=sales&run={Uri.EscapeDataString(second.Summary.RunId)}"))["changes"]!.AsArray();
        Assert.Equal(resumed.Where(c => (string)c!["entity"]! == "sales").Select(c => (long)c!["sequence"]!), salesOfSecond.Select(c => (long)c!["sequence"]!));
    }

    static async Task<JsonObject> GetAsync(TestHost host, string path)
    {
        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }
}

/// <summary>What <c>GET /api/changes</c> refuses: unknown names (404) and cursors or limits it cannot use (400), each saying which and why.</summary>
public sealed class ChangesApiRefusalTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("pipeline=nope", "pipeline", "There is no pipeline 'nope'; configured: data-preparation.")]
    [InlineData("entity=returns", "entity", "No pipeline has an entity 'returns'; entities: customer, customer_address, sales.")]
    [InlineData("pipeline=data-preparation&entity=returns", "entity", "Pipeline 'data-preparation' has no entity 'returns'; its entities: customer, customer_address, sales.")]
    public async Task An_unknown_pipeline_or_entity_is_404_naming_it(string query, string parameter, string detail)
    {
        var (status, problem) = await GetProblemAsync($"/api/changes?{query}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal((detail, parameter), ((string)problem["detail"]!, (string)problem["parameter"]!));
    }

    [Fact]
    public async Task A_cursor_of_other_filters_an_altered_one_or_garbage_is_400_naming_after()
    {
        var cursor = (string)(await GetOkAsync("/api/changes?entity=sales"))["nextCursor"]!;
        var altered = Convert.ToBase64String([.. Convert.FromBase64String(cursor).Select((b, i) => i == 20 ? (byte)(b ^ 1) : b)]);

        var foreign = await GetProblemAsync($"/api/changes?entity=customer&after={Uri.EscapeDataString(cursor)}");
        var changed = await GetProblemAsync($"/api/changes?entity=sales&after={Uri.EscapeDataString(altered)}");
        var garbage = await GetProblemAsync("/api/changes?after=not-a-cursor");

        Assert.Equal(HttpStatusCode.OK, (await GetProblemAsync($"/api/changes?entity=sales&after={Uri.EscapeDataString(cursor)}")).Status);
        Assert.All(new[] { foreign, changed, garbage }, p => Assert.Equal((HttpStatusCode.BadRequest, "after"), (p.Status, (string)p.Problem["parameter"]!)));
        Assert.Contains("belongs to a listing with other filters", (string)foreign.Problem["detail"]!, StringComparison.Ordinal);
        Assert.Contains("was altered", (string)changed.Problem["detail"]!, StringComparison.Ordinal);
        Assert.Contains("is not one this API returned", (string)garbage.Problem["detail"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("limit=0", "limit", "limit '0' is not allowed; use a whole number from 1 to 500 (default 100).")]
    [InlineData("limit=501", "limit", "limit '501' is not allowed; use a whole number from 1 to 500 (default 100).")]
    [InlineData("limit=ten", "limit", "limit 'ten' is not allowed; use a whole number from 1 to 500 (default 100).")]
    [InlineData("entity=sales&entity=customer", "entity", "The query parameter 'entity' is given 2 times; give it once.")]
    public async Task A_limit_out_of_bounds_or_a_repeated_parameter_is_400(string query, string parameter, string detail)
    {
        var (status, problem) = await GetProblemAsync($"/api/changes?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal((detail, parameter), ((string)problem["detail"]!, (string)problem["parameter"]!));
    }

    async Task<JsonObject> GetOkAsync(string path)
    {
        var (status, body) = await GetProblemAsync(path);
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    async Task<(HttpStatusCode Status, JsonObject Problem)> GetProblemAsync(string path)
    {
        using var response = await shared.Host.Client.GetAsync(new Uri(path, UriKind.Relative), Token);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!.AsObject());
    }
}
