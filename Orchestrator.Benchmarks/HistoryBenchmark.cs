using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Plans;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Storage.Listings;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Benchmarks;

/// <summary>
/// What reading run history costs the new-data cutoffs (plan, and a run's checks) and the budget check, on a seeded
/// SQLite store: store listings, rows returned and time. Each is measured beside its peer, the per-entity or whole-day
/// reading of 10d8beb (kept here, verbatim in effect, as the floor to compare with).
/// </summary>
static class HistoryBenchmark
{
    const int PageSize = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var entityCount = Option(args, "--entities", 1000);
        var runCount = Option(args, "--runs", 300);
        var dayRuns = Option(args, "--day-runs", 1400);
        var directory = Directory.CreateTempSubdirectory("orchestrator-history-");
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(Path.Combine(directory.FullName, "orchestrator.db")));
        var pipeline = Pipeline("many-entities", entityCount);
        var busy = Pipeline("busy", 3);
        var noon = new DateTime(2026, 11, 18, 12, 0, 0, DateTimeKind.Utc);
        var seeding = Stopwatch.StartNew();
        await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(runCount, noon, TimeSpan.FromMinutes(30)));
        await RunHistorySeeder.SeedAsync(store, busy, new RunHistorySeed(dayRuns, noon.Date.AddDays(1).AddSeconds(-1), TimeSpan.FromMinutes(1)));
        Console.WriteLine(Invariant($"seeded {runCount} runs of {entityCount} entities and {dayRuns} runs of a 3-entity pipeline in one day in {seeding.Elapsed.TotalSeconds:F1} s"));

        var listing = new CountingListing(store);
        var catalog = new PipelineCatalog([pipeline, busy]);
        var glue = new InstantGlueBackend(TimeProvider.System);
        var clock = new FixedClock(new DateTimeOffset(noon.AddMinutes(5)));
        RunQueries Queries(TimeProvider listingClock) => new(store, listing, catalog, glue, new RunListingCache(listingClock), clock, NullLogger<RunQueries>.Instance);

        // plan: the listing cache on the real clock, as in the host.
        for (var round = 0; round < 3; round++)
        {
            var queries = Queries(TimeProvider.System);
            await MeasureAsync(listing, $"cutoffs for plan, per entity (10d8beb), round {round + 1}", async () =>
            {
                foreach (var entity in pipeline.Entities)
                {
                    await PerEntityCutoffAsync(queries, pipeline.Name, entity.Name, null);
                }
            });
            queries = Queries(TimeProvider.System);
            await MeasureAsync(listing, $"cutoffs for plan, one pass, round {round + 1}", () =>
                new EntityHistory(queries).LastSucceededRunStartsAsync(pipeline.Name, pipeline.Entities.Select(e => e.Name), null, CancellationToken.None));
            queries = Queries(TimeProvider.System);
            await MeasureAsync(listing, $"whole plan ({entityCount} entities), round {round + 1}", () =>
                new PipelinePlanner(queries, new EntityHistory(queries), new PipelineBudgets(queries, clock), glue, clock).PlanAsync(pipeline.Name, null, CancellationToken.None));
        }

        // A run's checks, one every 2 s as jobs free their slots: past the listing cache's 1 s at every check.
        var stepping = new SteppingClock(noon.AddMinutes(5), TimeSpan.FromSeconds(2));
        var runId = $"{pipeline.Name}@manual-benchmark";
        var perEntity = Queries(stepping);
        await MeasureAsync(listing, $"a run's {entityCount} checks, per entity (10d8beb)", async () =>
        {
            foreach (var entity in pipeline.Entities)
            {
                await PerEntityCutoffAsync(perEntity, pipeline.Name, entity.Name, runId);
            }
        });
        var shared = Queries(stepping);
        var cutoffs = new RunCutoffs(new EntityHistory(shared), catalog, stepping);
        await MeasureAsync(listing, $"a run's {entityCount} checks, shared per run", async () =>
        {
            foreach (var entity in pipeline.Entities)
            {
                await cutoffs.LastSucceededRunStartAsync(runId, entity.Name, CancellationToken.None);
            }
        });

        // Budget checks of a pipeline with a run a minute all day, 20 in a row, on the real listing clock.
        var dayClock = new FixedClock(new DateTimeOffset(noon.Date.AddDays(1).AddMinutes(-1)));
        var (_, startsAt, endsAt, _) = PipelineBudgets.DayOf(busy, dayClock.GetUtcNow().UtcDateTime);
        var wholeDay = Queries(TimeProvider.System);
        await MeasureAsync(listing, "20 budget checks, whole day each (10d8beb)", async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await WholeDayAsync(wholeDay, busy.Name, startsAt, endsAt);
                await Task.Delay(RunListingCache.Reuse);
            }
        }, excluded: RunListingCache.Reuse * 20);
        var budgets = new PipelineBudgets(Queries(TimeProvider.System), dayClock);
        await MeasureAsync(listing, "20 budget checks, day ledger", async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await budgets.CheckAsync(busy);
                await Task.Delay(RunListingCache.Reuse);
            }
        }, excluded: RunListingCache.Reuse * 20);
        Console.WriteLine(Invariant($"peak memory (VmHWM): {PeakMemory.Megabytes():F0} MB"));
        return 0;
    }

    static async Task MeasureAsync(CountingListing listing, string name, Func<Task> work, TimeSpan excluded = default)
    {
        listing.Reset();
        var clock = Stopwatch.StartNew();
        await work();
        var elapsed = clock.Elapsed - excluded;
        Console.WriteLine(Invariant($"{name}: {elapsed.TotalMilliseconds:F0} ms, {listing.Listings} store listings, {listing.Rows} rows"));
    }

    /// <summary>10d8beb's EntityHistory.LastSucceededRunStartAsync: the listing paged for one entity.</summary>
    static async Task<DateTime?> PerEntityCutoffAsync(RunQueries queries, string pipeline, string entity, string? exceptRunId)
    {
        var stepId = StepIds.Entity(entity);
        string? cursor = null;
        for (var seen = 0; seen < 1000;)
        {
            var page = await queries.ListAsync(new RunFilter(pipeline, Limit: PageSize, Cursor: cursor));
            foreach (var run in page.Runs)
            {
                if (run.RunId != exceptRunId && run.Steps.Any(s => s.Id == stepId && s.State == StepState.Succeeded))
                {
                    return run.CreatedAt;
                }
            }

            seen += page.Runs.Count;
            if (page.NextCursor is null)
            {
                break;
            }

            cursor = page.NextCursor;
        }

        return null;
    }

    /// <summary>10d8beb's PipelineBudgets.UsedBetweenAsync: the day's runs paged and added up at every check.</summary>
    static async Task<CostTotal> WholeDayAsync(RunQueries queries, string pipeline, DateTime startsAt, DateTime endsAt)
    {
        var total = CostTotal.Zero;
        string? cursor = null;
        do
        {
            var page = await queries.ListAsync(new RunFilter(pipeline, Since: startsAt, Until: endsAt.AddTicks(-1), Limit: 500, Cursor: cursor));
            total = CostTotal.Sum([total, .. page.Runs.Select(r => r.Cost)]);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return total;
    }

    static PipelineDefinition Pipeline(string name, int entities) =>
        new(name, new PipelineSchedule("*/30 * * * *", "UTC"), OverlapPolicy.Skip, true, "mystore-raw-crawler", "mystore-clean-crawler",
            CleanCrawlerCondition.AllSucceeded, 8, new PollPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 1.5), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(27),
            [.. Enumerable.Range(1, entities).Select(i => new EntityDefinition($"entity{i:D4}", "mystore-data-preparation-parquet",
                new Dictionary<string, string> { ["--source_entity_name"] = $"entity{i:D4}" }, RetryPolicy.Default, TimeSpan.FromHours(2)))])
        {
            Budget = new PipelineBudget(1000, BudgetAction.Alert),
        };

    static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    sealed class CountingListing(IInstanceListing inner) : IInstanceListing
    {
        long listings;
        long rows;

        public long Listings => Interlocked.Read(ref listings);

        public long Rows => Interlocked.Read(ref rows);

        public void Reset()
        {
            Interlocked.Exchange(ref listings, 0);
            Interlocked.Exchange(ref rows, 0);
        }

        public async Task<InstancePage> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref listings);
            var page = await inner.ListInstancesAsync(filter, cancellationToken);
            Interlocked.Add(ref rows, page.Instances.Count);
            return page;
        }
    }

    /// <summary>A clock that stands still: the seeded day's noon, or its last minute.</summary>
    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A clock that moves on by <paramref name="step"/> at every read: checks spread over a run.</summary>
    sealed class SteppingClock(DateTime start, TimeSpan step) : TimeProvider
    {
        long reads;

        public override DateTimeOffset GetUtcNow() => new(start + (step * Interlocked.Increment(ref reads)), TimeSpan.Zero);
    }
}
