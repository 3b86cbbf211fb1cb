using DurableTask.Core;
using DurableTask.Core.Serializing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Plans;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Glue.Faults;
using Orchestrator.Tests.Pipelines;
using Orchestrator.Tests.Storage;

namespace Orchestrator.Tests.Plans;

/// <summary>
/// The new-data cutoffs (when the run holding an entity's last succeeded job step was created) on a real SQLite store
/// seeded with 210 runs of a 41-entity pipeline: 20 entities last succeeded in the newest runs, 20 only further back, one
/// never. The store's listings are counted through a decorator; the listing cache's clock moves past its reuse window
/// at every read, as it does over a plan or a run of many entities, so each listing the code asks for reaches the store.
/// </summary>
public sealed class CutoffListingTests : IAsyncLifetime
{
    static readonly DateTime Newest = new(2026, 11, 18, 12, 0, 0, DateTimeKind.Utc);

    readonly TempDirectory directory = new();
    readonly FakeTimeProvider clock = new(new DateTimeOffset(Newest.AddMinutes(5)));
    readonly CutoffGlue glue = new();
    SqliteOrchestrationService store = null!;
    CountingListing listing = null!;
    RunQueries queries = null!;
    PipelineDefinition pipeline = null!;
    Dictionary<string, DateTime?> expected = null!;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var entities = Enumerable.Range(1, 40).Select(i => $"entity{i:D2}").ToList();
        pipeline = Pipeline([.. entities, "never-run"]);
        store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        await RunHistorySeeder.SeedAsync(store, Pipeline(entities), new RunHistorySeed(200, Newest.AddHours(-6), TimeSpan.FromMinutes(30)));
        await RunHistorySeeder.SeedAsync(store, Pipeline(entities[..20]), new RunHistorySeed(10, Newest, TimeSpan.FromMinutes(30), RandomSeed: 7));

        listing = new CountingListing(store);
        var listingClock = new FakeTimeProvider(clock.GetUtcNow()) { AutoAdvanceAmount = RunListingCache.Reuse * 2 };
        queries = new RunQueries(store, listing, new PipelineCatalog([pipeline]), glue, new RunListingCache(listingClock), clock,
            NullLogger<RunQueries>.Instance);
        expected = await ExpectedCutoffsAsync();
        Assert.Equal(20, expected.Values.Count(at => at > Newest.AddHours(-5)));
        Assert.Null(expected["never-run"]);
    }

    public ValueTask DisposeAsync()
    {
        directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_plan_reads_the_run_history_once_for_all_entities()
    {
        var planner = new PipelinePlanner(queries, new EntityHistory(queries), new PipelineBudgets(queries, clock), glue, clock);

        var plan = await planner.PlanAsync(pipeline.Name, null, Token);

        Assert.Equal(41, plan.EntitiesToRun);
        Assert.Equal(expected, glue.Cutoffs());
        // 210 runs: three pages of 100 for the cutoffs (the never-run entity is looked for in all of them), one page
        // for the durations, one for the day's budget. It was one listing or more per entity.
        Assert.True(listing.Count <= 5, $"the plan listed runs {listing.Count} times");
    }

    [Fact]
    public async Task A_runs_checks_share_one_pass_and_later_read_only_the_runs_created_since()
    {
        var runId = $"{pipeline.Name}@manual-checking";
        var checks = new CheckRawDataActivity(glue, new RunCutoffs(new EntityHistory(queries), new PipelineCatalog([pipeline]), clock),
            NullLogger<CheckRawDataActivity>.Instance);

        foreach (var entity in pipeline.Entities)
        {
            await CheckAsync(checks, runId, entity);
        }

        Assert.Equal(expected, glue.Cutoffs());
        Assert.True(listing.Count <= 4, $"the run's 41 checks listed runs {listing.Count} times");

        // A run created since then succeeds entity31 (last succeeded six hours back): past the reuse window, the next
        // check reads only the runs created since the newest one seen, and takes it as entity31's cutoff.
        await RunHistorySeeder.SeedAsync(store, Pipeline(["entity31"]), new RunHistorySeed(1, Newest.AddMinutes(30), TimeSpan.FromMinutes(30), FailEvery: 0, ManualEvery: 0, RandomSeed: 9));
        var later = (await queries.ListAsync(new RunFilter(pipeline.Name, Limit: 1), Token)).Runs.Single();
        clock.Advance(RunCutoffs.Reuse);
        var before = listing.Count;

        await CheckAsync(checks, runId, pipeline.Entities.Single(e => e.Name == "entity31"));

        Assert.Equal(later.CreatedAt, glue.Cutoffs()["entity31"]);
        Assert.Contains(later.Steps, s => s.Id == StepIds.Entity("entity31") && s.State == StepState.Succeeded);
        Assert.Equal(1, listing.Count - before);
    }

    static async Task CheckAsync(CheckRawDataActivity checks, string runId, EntityDefinition entity)
    {
        var request = new RawDataCheckRequest(runId, StepIds.Entity(entity.Name), entity.Name, entity.Job, entity.Arguments);
        var output = await checks.RunAsync(new TaskContext(new OrchestrationInstance { InstanceId = $"{runId}/{entity.Name}" }),
            JsonDataConverter.Default.Serialize(new object[] { request }));
        var result = JsonDataConverter.Default.Deserialize<RawDataCheckResult>(output);
        Assert.Null(result.Error);
    }

    /// <summary>Each entity's cutoff read from the whole listing: the newest run holding its succeeded job step.</summary>
    async Task<Dictionary<string, DateTime?>> ExpectedCutoffsAsync()
    {
        var runs = await queries.ListAllAsync(new RunFilter(pipeline.Name, Limit: 500), Token).ToListAsync(Token);

        listing.Count = 0;
        return pipeline.Entities.ToDictionary(e => e.Name, e => runs
            .Where(r => r.Steps.Any(s => s.Id == StepIds.Entity(e.Name) && s.State == StepState.Succeeded))
            .Select(r => (DateTime?)r.CreatedAt).Max());
    }

    static PipelineDefinition Pipeline(IEnumerable<string> entities) =>
        new("many-entities", new PipelineSchedule("*/30 * * * *", "UTC"), OverlapPolicy.Skip, true, "mystore-raw-crawler", "mystore-clean-crawler",
            CleanCrawlerCondition.AllSucceeded, 8, new PollPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 1.5), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(27),
            [.. entities.Select(e => new EntityDefinition(e, "mystore-data-preparation-parquet", new Dictionary<string, string> { ["--source_entity_name"] = e }, RetryPolicy.Default, TimeSpan.FromHours(2)))]);

    /// <summary>Glue at the outer edge that records the cutoff each entity's check was given, and always has new data.</summary>
    sealed class CutoffGlue() : ForwardingGlueBackend(new RecordingGlue())
    {
        readonly Dictionary<string, DateTime?> cutoffs = [];

        public Dictionary<string, DateTime?> Cutoffs()
        {
            lock (cutoffs)
            {
                return new(cutoffs);
            }
        }

        public override Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore, CancellationToken cancellationToken)
        {
            lock (cutoffs)
            {
                cutoffs[arguments["--source_entity_name"]] = processedBefore?.UtcDateTime;
            }

            return Task.FromResult(new RawDataCheck(true, null, null, null, "recorded"));
        }
    }
}
