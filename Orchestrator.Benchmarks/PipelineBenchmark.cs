using System.Diagnostics;
using System.Globalization;
using DurableTask.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Notifications;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The orchestrator's own overhead per pipeline run: the real orchestrations on the SQLite store against a Glue
/// whose crawls and jobs finish at once, polled after 1 ms. Also the Glue calls an hour of polling costs with the
/// default poll policy.
/// </summary>
static class PipelineBenchmark
{
    static bool timeline;
    static int orchestrationSlots;
    static int activitySlots;

    public static async Task<int> RunAsync(string[] args)
    {
        var entityCounts = Options(args, "--entities", [3, 100, 1000]);
        // The store's extended sessions on (its default) or off, to compare in one run: --sessions off.
        var sessionsOff = args.Contains("--sessions") && args[Array.IndexOf(args, "--sessions") + 1] == "off";
        timeline = args.Contains("--timeline");
        orchestrationSlots = Options(args, "--orchestrations", []).FirstOrDefault();
        activitySlots = Options(args, "--activities", []).FirstOrDefault();
        // The warm-up run's entities (--warm-up N, 100 by default): 100 takes the paths a run goes through per entity past
        // tier-1 JIT (30 calls), as in a service that has run before; 3 (the default until session 9) leaves them JIT-cold.
        var warmup = Options(args, "--warm-up", [100])[0];
        Console.WriteLine($"warming up with one {warmup}-entity run (MaxParallelJobs {Math.Min(warmup, 100)}), not reported; extended sessions {(sessionsOff ? "off" : "on")}; orchestration slots {(orchestrationSlots > 0 ? orchestrationSlots : new SqliteStoreOptions().MaxConcurrentOrchestrations)}");
        await MeasureAsync(warmup, Math.Min(warmup, 100), report: false, sessionsOff);
        foreach (var entities in entityCounts)
        {
            await MeasureAsync(entities, Math.Min(entities, 100), report: true, sessionsOff);
        }

        var poll = new PollPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 1.5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"polling one job for an hour with the default poll policy (5 s growing x1.5 to 60 s): {PollsIn(poll, TimeSpan.FromHours(1)) + 1} GetJobRun calls (one read with the start, then the polls)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak memory (VmHWM): {PeakMemory.Megabytes():F0} MB"));
        return 0;
    }

    static async Task MeasureAsync(int entityCount, int maxParallel, bool report, bool sessionsOff)
    {
        var directory = Directory.CreateTempSubdirectory("orchestrator-bench-");
        var settings = new SqliteOrchestrationServiceSettings(Path.Combine(directory.FullName, "orchestrator.db"))
        {
            ExtendedSessionIdleTimeout = sessionsOff ? TimeSpan.Zero : TimeSpan.FromSeconds(5),
        };
        // The host's orchestration concurrency unless --orchestrations says otherwise (8, the cores × 4, was the default before).
        settings = settings with { MaxConcurrentOrchestrations = orchestrationSlots > 0 ? orchestrationSlots : new SqliteStoreOptions().MaxConcurrentOrchestrations };
        settings = activitySlots > 0 ? settings with { MaxConcurrentActivities = activitySlots } : settings;
        var entityTimeline = new EntityTimeline();
        var store = new SqliteOrchestrationService(settings, timeline ? entityTimeline.StoreLog() : null);
        await store.CreateAsync(recreateInstanceStore: true);
        var glue = new InstantGlueBackend(TimeProvider.System);
        var pipeline = Pipeline(entityCount, maxParallel);
        var services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton<RunMetrics>()
            .AddSingleton<IGlueBackend>(glue)
            .AddSingleton(TimeProvider.System)
            // Each succeeded job records its partition changes, as in the host (none here: the instant backend writes nothing).
            .AddSingleton(new PartitionChangeFeed(store.Journal, new PipelineCatalog([pipeline])))
            .AddSingleton<IOrchestrationServicePurgeClient>(store)
            .AddSingleton<IOrchestrationServiceClient>(store)
            .AddNotifications(new ConfigurationBuilder().Build())
            .BuildServiceProvider();
        var worker = new TaskHubWorker(store, NullLoggerFactory.Instance).AddPipelineOrchestrations(services);
        var cost = new RunCost();
        cost.Attach(worker);
        if (timeline)
        {
            entityTimeline.Attach(worker);
        }

        await worker.StartAsync();

        var listings = new RunListingCache(TimeProvider.System);
        var queries = new RunQueries(store, store, new PipelineCatalog([pipeline]), glue, listings, TimeProvider.System, NullLogger<RunQueries>.Instance);
        var runs = new RunCommands(store, queries, listings, TimeProvider.System, NullLogger<RunCommands>.Instance);
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var processor = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var runId = await runs.StartAsync(pipeline.Name, new StartRunRequest());
        var state = await store.WaitForOrchestrationAsync(runId, null, TimeSpan.FromMinutes(30), CancellationToken.None);
        var elapsed = clock.Elapsed;
        var processorUsed = Environment.CpuUsage.TotalTime - processor;
        int[] collected = [GC.CollectionCount(0) - collections[0], GC.CollectionCount(1) - collections[1], GC.CollectionCount(2) - collections[2]];
        var status = (await queries.GetAsync(runId)).Summary.Status;
        if (report)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{entityCount,5} entities, MaxParallelJobs {maxParallel,3}: {status} in {elapsed.TotalSeconds:F2} s ({elapsed.TotalMilliseconds / Math.Max(1, entityCount):F1} ms per entity), {glue.Calls} Glue calls, state {state?.OrchestrationStatus}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      turns: run {cost.RunTurns}, steps {cost.StepTurns} ({(double)cost.StepTurns / Math.Max(1, entityCount):F1} per entity); activities {cost.Activities}; run status written {cost.RunStatusBytes / 1e6:F1} MB (largest {cost.LargestRunStatus / 1e3:F0} KB); GCs gen0/1/2 {collected[0]}/{collected[1]}/{collected[2]}; process CPU {processorUsed.TotalSeconds:F2} s"));
            if (timeline)
            {
                entityTimeline.Print();
            }
        }

        await worker.StopAsync(isForced: true);
        directory.Delete(recursive: true);
    }

    static PipelineDefinition Pipeline(int entityCount, int maxParallel)
    {
        var retry = RetryPolicy.Default;
        var entities = Enumerable.Range(0, entityCount)
            .Select(i => new EntityDefinition($"entity{i:0000}", "bench-job", new Dictionary<string, string> { ["--source_entity_name"] = $"entity{i:0000}" }, retry, TimeSpan.FromHours(2)))
            .ToList();
        var poll = new PollPolicy(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1), 1);
        return new PipelineDefinition("bench", null, OverlapPolicy.Allow, false, "bench-raw", "bench-clean", CleanCrawlerCondition.AllSucceeded,
            maxParallel, poll, TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), entities);
    }

    /// <summary>How many polls the orchestration makes of a job running for <paramref name="duration"/>: the same delays it waits.</summary>
    static int PollsIn(PollPolicy poll, TimeSpan duration)
    {
        var waited = TimeSpan.Zero;
        var polls = 0;
        while ((waited += poll.DelayAfter(polls)) <= duration)
        {
            polls++;
        }

        return polls;
    }

    static int[] Options(string[] args, string name, int[] fallback)
    {
        var values = args.Select((arg, i) => (arg, i)).Where(a => a.arg == name && a.i + 1 < args.Length)
            .Select(a => int.Parse(args[a.i + 1], CultureInfo.InvariantCulture)).ToArray();
        return values.Length > 0 ? values : fallback;
    }
}
