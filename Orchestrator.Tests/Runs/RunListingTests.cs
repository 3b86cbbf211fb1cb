using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Serializing;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Runs;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Runs;

/// <summary>
/// <c>GET /api/runs</c> under every filter and their combinations, paged with the cursor, returns exactly the runs a
/// user expects, newest first: the run's own status (a finished run is Completed in the store whatever its outcome),
/// the exact pipeline (never one whose name the first starts with, nor one LIKE's '_' wildcard would take in), the
/// time range inclusive at both ends, and no step sub-orchestration or foreign instance.
/// </summary>
public sealed class RunListingTests
{
    // '_' is LIKE's one-character wildcard; "sales" starts "sales-eu".
    static readonly string[] Pipelines = ["sales", "sales-eu", "sales_eu", "salesxeu"];
    static readonly DateTime Newest = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
    static readonly DataConverter Json = JsonDataConverter.Default;
    static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_filter_combination_pages_through_exactly_the_runs_it_names_newest_first()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            var shipped = orchestrator["Pipelines"]!["data-preparation"]!;
            foreach (var name in Pipelines)
            {
                orchestrator["Pipelines"]![name] = shipped.DeepClone();
            }
        }, sampleRows: 0);
        var runs = Dataset();
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        await store.ImportFinishedAsync([.. runs.Select(r => r.Instance), .. Strangers()], Token);
        foreach (var pipeline in Pipelines)
        {
            runs.Add(new SeededRun(pipeline, RunStatus.Pending, await StartPendingAsync(store, $"{pipeline}@manual-pending")));
        }

        var since = runs[40].Instance.CreatedTime;
        var until = runs[20].Instance.CreatedTime;
        var checkedListings = 0;
        foreach (var pipeline in Pipelines.Prepend(null))
        {
            foreach (var status in Enum.GetValues<RunStatus>().Cast<RunStatus?>().Prepend(null))
            {
                foreach (var (from, to) in new (DateTime?, DateTime?)[] { (null, null), (since, null), (null, until), (since, until) })
                {
                    var expected = runs
                        .Where(r => (pipeline is null || r.Pipeline == pipeline) && (status is null || r.Status == status)
                            && (from is null || r.Instance.CreatedTime >= from) && (to is null || r.Instance.CreatedTime <= to))
                        .OrderByDescending(r => r.Instance.CreatedTime).ThenByDescending(r => r.Instance.InstanceId, StringComparer.Ordinal)
                        .Select(r => $"{r.Instance.InstanceId} {r.Status}")
                        .ToList();
                    var query = string.Join('&', new[]
                    {
                        pipeline is null ? null : $"pipeline={pipeline}",
                        status is null ? null : $"status={status}",
                        from is null ? null : $"since={Uri.EscapeDataString(from.Value.ToString("O", CultureInfo.InvariantCulture))}",
                        to is null ? null : $"until={Uri.EscapeDataString(to.Value.ToString("O", CultureInfo.InvariantCulture))}",
                        "limit=7",
                    }.OfType<string>());

                    var listed = await ListAllAsync(host.Client, query);
                    Assert.True(expected.SequenceEqual(listed), $"GET /api/runs?{query} lists [{string.Join(", ", listed)}], expected [{string.Join(", ", expected)}]");
                    checkedListings++;
                }
            }
        }

        Assert.Equal(5 * 6 * 4, checkedListings);
        // The data covers every status but Running (that takes a worker) in every pipeline, so no listing passed by being empty.
        Assert.All(Pipelines, p => Assert.Equal(4, runs.Where(r => r.Pipeline == p).Select(r => r.Status).Distinct().Count()));
    }

    [Fact]
    public async Task A_pipelines_active_runs_are_its_pending_and_running_ones_only()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            var shipped = orchestrator["Pipelines"]!["data-preparation"]!;
            orchestrator["Pipelines"]!["sales"] = shipped.DeepClone();
            orchestrator["Pipelines"]!["sales_eu"] = shipped.DeepClone();
        }, sampleRows: 0);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        await store.ImportFinishedAsync(Dataset().Where(r => r.Pipeline is "sales" or "salesxeu").Select(r => r.Instance), Token);
        var queries = host.Service<RunQueries>();
        Assert.Empty(await queries.ActiveRunsAsync("sales", Token));

        // A start the worker has not picked up yet is Pending: active, listed under its own pipeline only.
        await StartPendingAsync(store, "sales@manual-active");

        Assert.Equal(["sales@manual-active"], (await queries.ActiveRunsAsync("sales", Token)).Select(r => r.RunId));
        Assert.Empty(await queries.ActiveRunsAsync("sales_eu", Token));
    }

    /// <summary>A run the worker will not pick up for a day (its start is scheduled then): Pending meanwhile.</summary>
    static async Task<FinishedInstance> StartPendingAsync(SqliteOrchestrationService store, string runId)
    {
        var instance = new OrchestrationInstance { InstanceId = runId, ExecutionId = "e" };
        await store.CreateTaskOrchestrationAsync(new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new DurableTask.Core.History.ExecutionStartedEvent(-1, null) { Name = RunOrchestration, OrchestrationInstance = instance, ScheduledStartTime = DateTime.UtcNow.AddDays(1) },
        });
        var state = (await store.GetOrchestrationStateAsync(runId, allExecutions: false)).Single();
        Assert.Equal(OrchestrationStatus.Pending, state.OrchestrationStatus);
        return new FinishedInstance(runId, "e", RunOrchestration, OrchestrationStatus.Pending, state.CreatedTime, state.CreatedTime, null, null, null);
    }

    static async Task<List<string>> ListAllAsync(HttpClient client, string query)
    {
        var listed = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/runs?{query}{(cursor is null ? null : $"&cursor={Uri.EscapeDataString(cursor)}")}", Token);
            var runs = page.GetProperty("runs").EnumerateArray().ToList();
            Assert.InRange(runs.Count, cursor is null ? 0 : 1, 7);
            listed.AddRange(runs.Select(r => $"{r.GetProperty("runId").GetString()} {r.GetProperty("status").GetString()}"));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return listed;
    }

    /// <summary>
    /// Finished runs of four pipelines with every way a run's status is stored: the outcome reported in the custom
    /// status of a Completed run, none reported (Succeeded), a custom status that is not JSON, and the runtime
    /// statuses Failed, Terminated and Canceled. Every tenth run shares its creation time with the one before.
    /// </summary>
    static List<SeededRun> Dataset()
    {
        var runs = new List<SeededRun>();
        var created = Newest;
        for (var i = 0; i < 200; i++)
        {
            created = i % 10 == 9 ? created : created - TimeSpan.FromMinutes(13);
            var pipeline = Pipelines[i % Pipelines.Length];
            var (stored, custom, status) = (i / Pipelines.Length % 8) switch
            {
                0 => (OrchestrationStatus.Completed, Progress(RunStatus.Succeeded), RunStatus.Succeeded),
                1 => (OrchestrationStatus.Completed, Progress(RunStatus.Failed), RunStatus.Failed),
                2 => (OrchestrationStatus.Completed, Progress(RunStatus.Terminated), RunStatus.Terminated),
                3 => (OrchestrationStatus.Completed, null, RunStatus.Succeeded),
                4 => (OrchestrationStatus.Completed, "not JSON {", RunStatus.Succeeded),
                5 => (OrchestrationStatus.Failed, Progress(RunStatus.Running), RunStatus.Failed),
                6 => (OrchestrationStatus.Terminated, Progress(RunStatus.Running), RunStatus.Terminated),
                _ => (OrchestrationStatus.Canceled, null, RunStatus.Terminated),
            };
            var id = $"{pipeline}@manual-{i:D4}";
            runs.Add(new SeededRun(pipeline, status, new FinishedInstance(id, "e", RunOrchestration, stored, created, created.AddMinutes(5), null, null, custom)));
        }

        // Pending and Running runs cannot be imported (only finished ones can): the tests start the Pending ones.
        return runs;
    }

    /// <summary>Instances a run listing must never show: a step's sub-orchestration, another orchestration, an id without a pipeline.</summary>
    static IEnumerable<FinishedInstance> Strangers() =>
    [
        new("sales@manual-0000/raw-crawler", "e", NameVersionHelper.GetDefaultName(typeof(CrawlerRunOrchestration)), OrchestrationStatus.Completed, Newest, Newest, null, null, Progress(RunStatus.Failed)),
        new("sales@not-a-run", "e", "SomethingElse", OrchestrationStatus.Completed, Newest, Newest, null, null, Progress(RunStatus.Failed)),
        new("sales", "e", RunOrchestration, OrchestrationStatus.Completed, Newest, Newest, null, null, Progress(RunStatus.Failed)),
    ];

    static string Progress(RunStatus status) => Json.Serialize(new RunProgress([], false, status, null));

    sealed record SeededRun(string Pipeline, RunStatus Status, FinishedInstance Instance);
}
