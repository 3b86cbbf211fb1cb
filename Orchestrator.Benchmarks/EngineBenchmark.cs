using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The durable engine on the SQLite store: (a) many short sequences, (b) one wide fan-out, (c) how long an
/// activity waits between being scheduled and starting. Runs the SQLite store with extended sessions on and off in
/// the same process (<c>--sessions both</c>, the default), interleaved over <c>--repetitions</c>, after
/// <c>--warm-up</c> untimed repetitions per mode (1 by default): a host runs for days, so the figures are its steady
/// state, not the first run's tier-0 JIT code.
/// </summary>
static class EngineBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains(Peers.PeerRace.Flag))
        {
            return await Peers.PeerRace.RunAsync(args);
        }

        var orchestrations = Option(args, "--orchestrations", 500);
        var sequenceLength = Option(args, "--sequence", 5);
        var fanOut = Option(args, "--fan-out", 5000);
        var repetitions = Option(args, "--repetitions", 1);
        var warmUps = Option(args, "--warm-up", 1);
        var slots = Option(args, "--orchestration-slots", 0);
        var sessions = TextOption(args, "--sessions", "both");
        bool[] modes = sessions switch
        {
            "both" => [false, true],
            "on" => [true],
            "off" => [false],
            _ => throw new ArgumentException($"--sessions: '{sessions}' is not allowed; use on, off or both."),
        };

        // Interleaved, the order flipped each repetition, so a drift in the machine's load hits both modes alike.
        // Warm-ups are printed (a reader sees how far the first runs are from the steady state) but not counted.
        var results = new List<EngineResult>();
        for (var repetition = 0; repetition < warmUps + repetitions; repetition++)
        {
            var warmUp = repetition < warmUps;
            foreach (var extendedSessions in repetition % 2 == 0 ? modes : modes.Reverse())
            {
                var result = await RunOnceAsync(extendedSessions, slots, orchestrations, sequenceLength, fanOut);
                if (!warmUp)
                {
                    results.Add(result);
                }

                Console.WriteLine(Invariant(
                    $"{result.Mode,-13} (a) {result.SequenceSeconds:F2} s, {result.ActivitiesPerSecond:F0} activities/s | (b) {result.FanOutSeconds:F2} s | (c) p50 {result.P50:F1} ms, p95 {result.P95:F1} ms | peak RSS {result.PeakMegabytes:F0} MB{(warmUp ? " | warm-up, not counted" : "")}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"(a) {orchestrations} orchestrations x {sequenceLength} sequential no-op activities; (b) one orchestration fanning out to {fanOut};");
        Console.WriteLine(Invariant($"(c) scheduled -> started latency over the activities of (a); peak RSS from the start of (a) to the end of (b); orchestration slots {SlotsOf(slots)}."));
        Console.WriteLine(Invariant($"Medians over {repetitions} timed repetitions, after {warmUps} warm-up repetitions per mode:"));
        Console.WriteLine("| store | (a) activities/s | (b) fan-out s | (c) p50 ms | (c) p95 ms | peak RSS MB |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var medians = results.GroupBy(r => r.Mode).Select(g => new EngineResult(
            g.Key, Median(g, r => r.SequenceSeconds), Median(g, r => r.ActivitiesPerSecond), Median(g, r => r.FanOutSeconds),
            Median(g, r => r.P50), Median(g, r => r.P95), Median(g, r => r.PeakMegabytes))).ToList();
        foreach (var m in medians)
        {
            Console.WriteLine(Invariant($"| {m.Mode} | {m.ActivitiesPerSecond:F0} | {m.FanOutSeconds:F2} | {m.P50:F1} | {m.P95:F1} | {m.PeakMegabytes:F0} |"));
        }

        if (medians.Count == 2)
        {
            var (on, off) = (medians.Single(m => m.Mode == SessionsOn), medians.Single(m => m.Mode == SessionsOff));
            Console.WriteLine(Invariant(
                $"| ratio on/off | {on.ActivitiesPerSecond / off.ActivitiesPerSecond:F2}x | {on.FanOutSeconds / off.FanOutSeconds:F2}x | {on.P50 / off.P50:F2}x | {on.P95 / off.P95:F2}x | {on.PeakMegabytes / off.PeakMegabytes:F2}x |"));
        }

        return 0;
    }

    const string SessionsOn = "sessions on";
    const string SessionsOff = "sessions off";

    static int SlotsOf(int slots) => slots > 0 ? slots : new SqliteOrchestrationServiceSettings("unused").MaxConcurrentOrchestrations;

    static async Task<EngineResult> RunOnceAsync(bool extendedSessions, int slots, int orchestrations, int sequenceLength, int fanOut)
    {
        var directory = Directory.CreateTempSubdirectory("orchestrator-bench-");
        var latencies = new ConcurrentBag<double>();
        var defaults = new SqliteOrchestrationServiceSettings(Path.Combine(directory.FullName, "orchestrator.db"));
        var store = new SqliteOrchestrationService(defaults with
        {
            ExtendedSessionIdleTimeout = extendedSessions ? defaults.ExtendedSessionIdleTimeout : TimeSpan.Zero,
            MaxConcurrentOrchestrations = SlotsOf(slots),
        });
        await store.CreateAsync(recreateInstanceStore: true);
        PeakMemory.Reset();
        var worker = new TaskHubWorker(store, NullLoggerFactory.Instance);
        worker.AddTaskOrchestrations(typeof(SequenceWorkload), typeof(FanOutWorkload));
        worker.AddTaskActivities(typeof(NoOpActivity));
        worker.AddActivityDispatcherMiddleware(async (context, next) =>
        {
            // Scheduled = when the orchestration decided to call the activity; the checkpoint commits right after.
            if (context.GetProperty<TaskScheduledEvent>() is { } scheduled)
            {
                latencies.Add((DateTime.UtcNow - scheduled.Timestamp).TotalMilliseconds);
            }

            await next();
        });
        await worker.StartAsync();
        var client = new TaskHubClient(store, loggerFactory: NullLoggerFactory.Instance);

        var clock = Stopwatch.StartNew();
        var instances = new List<OrchestrationInstance>();
        for (var i = 0; i < orchestrations; i++)
        {
            instances.Add(await client.CreateOrchestrationInstanceAsync(typeof(SequenceWorkload), sequenceLength));
        }

        foreach (var instance in instances)
        {
            await Expect(client, instance);
        }

        var sequenceSeconds = clock.Elapsed.TotalSeconds;
        var sequenceLatencies = latencies.ToArray();

        clock.Restart();
        await Expect(client, await client.CreateOrchestrationInstanceAsync(typeof(FanOutWorkload), fanOut));
        var fanOutSeconds = clock.Elapsed.TotalSeconds;
        var peak = PeakMemory.Megabytes() ?? double.NaN;

        await worker.StopAsync(isForced: true);
        worker.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);

        Array.Sort(sequenceLatencies);
        return new EngineResult(extendedSessions ? SessionsOn : SessionsOff, sequenceSeconds, orchestrations * sequenceLength / sequenceSeconds,
            fanOutSeconds, Percentile(sequenceLatencies, 0.50), Percentile(sequenceLatencies, 0.95), peak);
    }

    static double Median(IEnumerable<EngineResult> results, Func<EngineResult, double> value)
    {
        var sorted = results.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    static string TextOption(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    sealed record EngineResult(string Mode, double SequenceSeconds, double ActivitiesPerSecond, double FanOutSeconds, double P50, double P95, double PeakMegabytes);

    static async Task Expect(TaskHubClient client, OrchestrationInstance instance)
    {
        var state = await client.WaitForOrchestrationAsync(instance, TimeSpan.FromMinutes(10));
        if (state?.OrchestrationStatus != OrchestrationStatus.Completed)
        {
            throw new InvalidOperationException($"{instance.InstanceId} ended {state?.OrchestrationStatus}: {state?.Output}");
        }
    }

    internal static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

    static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal sealed class NoOpActivity : TaskActivity<int, int>
    {
        protected override int Execute(TaskContext context, int input) => input;
    }

    internal sealed class SequenceWorkload : TaskOrchestration<int, int>
    {
        public override async Task<int> RunTask(OrchestrationContext context, int input)
        {
            for (var i = 0; i < input; i++)
            {
                await context.ScheduleTask<int>(typeof(NoOpActivity), i);
            }

            return input;
        }
    }

    internal sealed class FanOutWorkload : TaskOrchestration<int, int>
    {
        public override async Task<int> RunTask(OrchestrationContext context, int input)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, input).Select(i => context.ScheduleTask<int>(typeof(NoOpActivity), i)));
            return results.Length;
        }
    }
}
