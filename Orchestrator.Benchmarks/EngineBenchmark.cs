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
/// activity waits between being scheduled and starting.
/// </summary>
static class EngineBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var orchestrations = Option(args, "--orchestrations", 500);
        var sequenceLength = Option(args, "--sequence", 5);
        var fanOut = Option(args, "--fan-out", 5000);
        var directory = Directory.CreateTempSubdirectory("orchestrator-bench-");
        var latencies = new ConcurrentBag<double>();
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(Path.Combine(directory.FullName, "orchestrator.db")));
        await store.CreateAsync(recreateInstanceStore: true);
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

        Console.WriteLine($"(a) {orchestrations} orchestrations x {sequenceLength} sequential no-op activities");
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

        var seconds = clock.Elapsed.TotalSeconds;
        var sequenceLatencies = latencies.ToArray();
        Console.WriteLine(Invariant($"    {seconds:F2} s: {orchestrations / seconds:F0} orchestrations/s, {orchestrations * sequenceLength / seconds:F0} activities/s"));

        Console.WriteLine($"(b) one orchestration fanning out to {fanOut} no-op activities");
        clock.Restart();
        await Expect(client, await client.CreateOrchestrationInstanceAsync(typeof(FanOutWorkload), fanOut));
        Console.WriteLine(Invariant($"    {clock.Elapsed.TotalSeconds:F2} s total, {fanOut / clock.Elapsed.TotalSeconds:F0} activities/s"));

        Array.Sort(sequenceLatencies);
        Console.WriteLine("(c) latency from an activity being scheduled to it starting, over the activities of (a)");
        Console.WriteLine(Invariant($"    p50 {Percentile(sequenceLatencies, 0.50):F1} ms, p95 {Percentile(sequenceLatencies, 0.95):F1} ms, max {sequenceLatencies[^1]:F1} ms"));
        Console.WriteLine(Invariant($"peak memory (VmHWM): {PeakMemory.Megabytes():F0} MB"));

        await worker.StopAsync(isForced: true);
        directory.Delete(recursive: true);
        return 0;
    }

    static async Task Expect(TaskHubClient client, OrchestrationInstance instance)
    {
        var state = await client.WaitForOrchestrationAsync(instance, TimeSpan.FromMinutes(10));
        if (state?.OrchestrationStatus != OrchestrationStatus.Completed)
        {
            throw new InvalidOperationException($"{instance.InstanceId} ended {state?.OrchestrationStatus}: {state?.Output}");
        }
    }

    static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

    static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    sealed class NoOpActivity : TaskActivity<int, int>
    {
        protected override int Execute(TaskContext context, int input) => input;
    }

    sealed class SequenceWorkload : TaskOrchestration<int, int>
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

    sealed class FanOutWorkload : TaskOrchestration<int, int>
    {
        public override async Task<int> RunTask(OrchestrationContext context, int input)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, input).Select(i => context.ScheduleTask<int>(typeof(NoOpActivity), i)));
            return results.Length;
        }
    }
}
