using System.Net.Http.Json;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Serializing;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Runs;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Runs;

/// <summary>
/// Listings read a run's progress with System.Text.Json, keep finished runs' summaries and their JSON, and join a page
/// from them: a listing still shows every field it showed when DurableTask's converter read each run, for runs stored
/// in the earlier progress shape (type names) and the compact one, and a run whose row changed is read again.
/// </summary>
public sealed class RunListingSummaryTests
{
    static readonly DataConverter Json = JsonDataConverter.Default;
    static readonly DateTime At = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Both_stored_shapes_read_as_DurableTasks_converter_reads_them()
    {
        foreach (var stored in new[] { Earlier(), Compact() })
        {
            Assert.True(RunProgressReader.TryRead(stored, out var read), stored);
            Assert.Equal(Json.Serialize(Json.Deserialize<RunProgress>(stored)), Json.Serialize(read));
            Assert.Equal(DateTimeKind.Utc, read!.Steps[0].StartedAt!.Value.Kind);
        }

        Assert.False(RunProgressReader.TryRead("{\"Steps\": 5}", out _));
    }

    [Fact]
    public async Task A_listing_shows_every_field_it_showed_for_runs_in_both_stored_shapes()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        var tags = new Dictionary<string, string> { ["kind"] = nameof(RunKind.Scheduled), ["slot"] = "2026-12-01T12:00:00.0000000Z" };
        await store.ImportFinishedAsync(
        [
            new FinishedInstance("data-preparation@20261201T1200Z", "e", RunOrchestration, OrchestrationStatus.Completed, At, At.AddMinutes(10), null, null, Earlier(), tags),
            new FinishedInstance("data-preparation@20261201T1230Z", "e", RunOrchestration, OrchestrationStatus.Completed, At.AddMinutes(30), At.AddMinutes(40), null, null, Compact(), tags),
        ], Token);
        var options = host.Service<IOptions<JsonOptions>>().Value.SerializerOptions;

        // Twice: read from the store, then from the summaries and JSON kept of the first page (another page size).
        foreach (var limit in new[] { 50, 2 })
        {
            var page = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?limit={limit}", Token);
            var listed = page.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal(2, listed.Count);
            foreach (var (run, stored, created) in new[] { (listed[0], Compact(), At.AddMinutes(30)), (listed[1], Earlier(), At) })
            {
                // What the listing showed when DurableTask's converter read every run.
                var progress = Json.Deserialize<RunProgress>(stored);
                var id = $"data-preparation@{created:yyyyMMddTHHmm}Z";
                var expected = new RunSummary(id, "data-preparation", RunKind.Scheduled, RunStatus.Failed, created, created.AddMinutes(10), At, null,
                    ["sales"], progress.Steps, false, "sales: it broke", progress.Visibility);
                Assert.Equal(JsonSerializer.Serialize(expected, options), run.GetRawText());
                Assert.Equal("Failed", run.GetProperty("status").GetString());
                Assert.Equal([1, 2, 1, 0], run.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("attempts").GetInt32()));
                Assert.Equal(1200, run.GetProperty("cost").GetProperty("dpuSeconds").GetDouble());
                Assert.Equal("sales", run.GetProperty("visibility")[0].GetProperty("entity").GetString());
            }
        }
    }

    [Fact]
    public async Task A_page_joined_from_kept_runs_is_byte_for_byte_the_page_serialized_whole()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        await store.ImportFinishedAsync(
            [.. Enumerable.Range(0, 3).Select(i => new FinishedInstance($"data-preparation@manual-{i}", "e", RunOrchestration, OrchestrationStatus.Completed, At.AddMinutes(i), At.AddMinutes(i + 1), null, null, i == 0 ? Earlier() : Compact()))],
            Token);
        var options = host.Service<IOptions<JsonOptions>>().Value.SerializerOptions;

        foreach (var limit in new[] { 2, 5 })
        {
            var body = await host.Client.GetByteArrayAsync($"/api/runs?limit={limit}", Token);
            var page = await host.Service<RunQueries>().ListAsync(new RunFilter(Limit: limit), Token);
            Assert.Equal(limit == 2, page.NextCursor is not null);
            Assert.Equal(JsonSerializer.Serialize(page, options), System.Text.Encoding.UTF8.GetString(body));
        }
    }

    [Fact]
    public async Task A_finished_run_whose_row_changed_is_read_again()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        const string runId = "data-preparation@manual-again";
        await store.ImportFinishedAsync([new FinishedInstance(runId, "e", RunOrchestration, OrchestrationStatus.Completed, At, At.AddMinutes(1), null, null, Compact())], Token);
        Assert.Equal("Failed", (await FirstRunAsync(host, 10)).GetProperty("status").GetString());

        await store.PurgeInstanceStateAsync(runId);
        var succeeded = new RunProgressWriter().Write([], false, RunStatus.Succeeded, null, null);
        await store.ImportFinishedAsync([new FinishedInstance(runId, "e", RunOrchestration, OrchestrationStatus.Completed, At, At.AddMinutes(2), null, null, succeeded)], Token);

        // Another page size: not the listing reused for a second, the kept summary is what is under test.
        var again = await FirstRunAsync(host, 11);
        Assert.Equal("Succeeded", again.GetProperty("status").GetString());
        Assert.Equal(At.AddMinutes(2), again.GetProperty("completedAt").GetDateTime().ToUniversalTime());
        Assert.Empty(again.GetProperty("steps").EnumerateArray());
    }

    [Fact]
    public async Task A_first_page_until_a_future_time_lists_the_runs_of_the_page_without_it_and_its_cursor_keeps_its_filters()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        await store.ImportFinishedAsync(
            [.. Enumerable.Range(0, 3).Select(i => new FinishedInstance($"data-preparation@manual-{i}", "e", RunOrchestration, OrchestrationStatus.Completed, At.AddMinutes(i), At.AddMinutes(i + 1), null, null, Compact()))],
            Token);
        const string future = "until=2100-01-01T00%3A00%3A00Z";

        var plain = await host.Client.GetFromJsonAsync<JsonElement>("/api/runs?limit=2", Token);
        var first = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?limit=2&{future}", Token);
        Assert.Equal(plain.GetProperty("runs").GetRawText(), first.GetProperty("runs").GetRawText());
        var cursor = Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!);
        Assert.NotEqual(plain.GetProperty("nextCursor").GetString(), first.GetProperty("nextCursor").GetString());

        var second = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?limit=2&{future}&cursor={cursor}", Token);
        Assert.Equal(["data-preparation@manual-0"], second.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        using var refused = await host.Client.GetAsync($"/api/runs?limit=2&cursor={cursor}", Token);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("other filters", await refused.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_page_since_a_time_lists_the_runs_from_then_and_has_a_cursor_only_while_more_of_them_follow()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        await store.ImportFinishedAsync(
            [.. Enumerable.Range(0, 5).Select(i => new FinishedInstance($"data-preparation@manual-{i}", "e", RunOrchestration, OrchestrationStatus.Completed, At.AddMinutes(i), At.AddMinutes(i + 1), null, null, Compact()))],
            Token);
        static string Since(DateTime time) => $"since={Uri.EscapeDataString(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}";

        // Page after page, each first page cut from the listing without `since` (limit 2): the run after a page decides its cursor.
        foreach (var (minutes, expected) in new (double, string[][])[]
        {
            (0, [["4", "3"], ["2", "1"], ["0"]]),
            (1, [["4", "3"], ["2", "1"]]),
            (2, [["4", "3"], ["2"]]),
            (3, [["4", "3"]]),
            (3.5, [["4"]]),
            (5, [[]]),
        })
        {
            var query = $"limit=2&{Since(At.AddMinutes(minutes))}";
            var pages = new List<string[]>();
            for (string? cursor = null; ;)
            {
                var page = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?{query}{(cursor is null ? null : $"&cursor={Uri.EscapeDataString(cursor)}")}", Token);
                pages.Add([.. page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!["data-preparation@manual-".Length..])]);
                if (page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String)
                {
                    cursor = next.GetString();
                    continue;
                }

                break;
            }

            Assert.True(expected.Length == pages.Count && expected.Zip(pages).All(p => p.First.SequenceEqual(p.Second)),
                $"since +{minutes} min lists [{string.Join(" | ", pages.Select(p => string.Join(", ", p)))}]");
        }

        // The first page's cursor is bound to its `since`: the listing without it refuses it.
        var first = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?limit=2&{Since(At.AddMinutes(1))}", Token);
        using var refused = await host.Client.GetAsync($"/api/runs?limit=2&cursor={Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!)}", Token);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("other filters", await refused.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    static async Task<JsonElement> FirstRunAsync(TestHost host, int limit) =>
        (await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs?limit={limit}", Token)).GetProperty("runs")[0];

    /// <summary>The progress as DurableTask's converter wrote it before the compact shape: type names on every object.</summary>
    static string Earlier() => Json.Serialize(new RunProgress(RunProgressTests.Steps().Select(StepSummary.Of).ToList(), false, RunStatus.Failed, "sales: it broke", Visibility()));

    static string Compact() => new RunProgressWriter().Write(RunProgressTests.Steps(), false, RunStatus.Failed, "sales: it broke", Visibility());

    static List<EntityVisibility> Visibility() => [new("sales", null, null, true), new("customer", At.AddMinutes(9), 540.25, false)];
}
