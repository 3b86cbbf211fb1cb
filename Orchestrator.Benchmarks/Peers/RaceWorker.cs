using System.Diagnostics;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// The hidden <c>engine-worker</c> verb: one workload on one fresh store in a process of its own, so the peak RSS it
/// reports is that store's alone. Warms up, runs the workload bounded by wall clock, prints one
/// <see cref="WorkloadResult"/> line and exits without tearing the store down (the race throws the store away;
/// stopping an AzureStorage worker alone takes ~50 s).
/// </summary>
static class RaceWorker
{
    public const string Verb = "engine-worker";

    static readonly TimeSpan VerifyBound = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        if (RaceOptions.Parse(args, Verb) is not { Providers: [var provider], Workloads: [var workload], Directory: { } directory } options)
        {
            Console.Error.WriteLine($"{Verb} runs one workload on one store: give one --providers, one --workloads and --directory");
            return 2;
        }

        var bound = options.Bound;
        var repetition = options.Repetition;
        WorkloadResult result;
        try
        {
            var service = await provider.CreateAsync(directory).WaitAsync(bound);
            var probe = new WorkloadProbe();
            var worker = new TaskHubWorker(service, NullLoggerFactory.Instance);
            worker.AddTaskOrchestrations(typeof(EngineBenchmark.SequenceWorkload), typeof(EngineBenchmark.FanOutWorkload));
            worker.AddTaskActivities(typeof(EngineBenchmark.NoOpActivity));
            probe.Attach(worker);
            await worker.StartAsync().WaitAsync(bound);
            var client = new TaskHubClient((IOrchestrationServiceClient)service, loggerFactory: NullLoggerFactory.Instance);
            var measured = new Measured(0, 0, 0, null);
            foreach (var warmUp in RaceWorkload.WarmUp)
            {
                measured = await MeasureAsync(client, probe, warmUp, bound);
                if (measured.Problem is not null)
                {
                    measured = measured with { Completed = 0, Activities = 0, Problem = $"warm-up {warmUp.Title}: {measured.Problem}" };
                    break;
                }
            }

            if (measured.Problem is null)
            {
                measured = await MeasureAsync(client, probe, workload, bound);
            }

            var latencies = probe.SortedLatencies();
            result = new WorkloadResult(provider.Id, workload.Id, repetition, workload.Activities, measured.Activities,
                workload.Orchestrations, measured.Completed, measured.Seconds,
                latencies.Length > 0 ? EngineBenchmark.Percentile(latencies, 0.50) : null,
                latencies.Length > 0 ? EngineBenchmark.Percentile(latencies, 0.95) : null,
                PeakMemory.Megabytes(), measured.Problem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result = new WorkloadResult(provider.Id, workload.Id, repetition, workload.Activities, 0, workload.Orchestrations, 0, 0,
                null, null, PeakMemory.Megabytes(), $"{e.GetType().Name}: {e.Message}");
        }

        Console.WriteLine(result.ToLine());
        await Console.Out.FlushAsync();
        // No teardown: see the summary. Dispatcher threads would keep the process alive, so leave at once.
        Environment.Exit(0);
        return 0;
    }

    sealed record Measured(double Seconds, int Completed, int Activities, string? Problem);

    /// <summary>
    /// Starts the workload and waits, never past <paramref name="bound"/>, for every orchestration to decide to end
    /// and for the last one's completion to be readable through the client (its checkpoint is in). Then, untimed and
    /// bounded, checks every instance's stored state.
    /// </summary>
    static async Task<Measured> MeasureAsync(TaskHubClient client, WorkloadProbe probe, RaceWorkload workload, TimeSpan bound)
    {
        probe.Reset(workload.Orchestrations);
        var clock = Stopwatch.StartNew();
        TimeSpan Remaining() => bound - clock.Elapsed > TimeSpan.Zero ? bound - clock.Elapsed : TimeSpan.Zero;
        var instances = new List<OrchestrationInstance>();
        try
        {
            var orchestration = workload.Id == RaceWorkload.SequencesId ? typeof(EngineBenchmark.SequenceWorkload) : typeof(EngineBenchmark.FanOutWorkload);
            for (var i = 0; i < workload.Orchestrations; i++)
            {
                instances.Add(await client.CreateOrchestrationInstanceAsync(orchestration, workload.ActivitiesEach).WaitAsync(Remaining()));
            }

            await probe.AllEnded.WaitAsync(Remaining());
            while (probe.LastEnded is { } last && (await client.GetOrchestrationStateAsync(last).WaitAsync(Remaining()))?.OrchestrationStatus is not (OrchestrationStatus.Completed or OrchestrationStatus.Failed))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5));
            }
        }
        catch (TimeoutException)
        {
            return new Measured(clock.Elapsed.TotalSeconds, probe.OrchestrationsEnded - probe.OrchestrationsFailed, probe.ActivitiesDone,
                $"not finished in {bound.TotalSeconds:F0} s ({instances.Count:N0} of {workload.Orchestrations:N0} started)");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var activities = probe.ActivitiesDone;
        if (probe.OrchestrationsFailed > 0)
        {
            return new Measured(seconds, probe.OrchestrationsEnded - probe.OrchestrationsFailed, activities, $"{probe.OrchestrationsFailed} orchestrations failed");
        }

        var stored = await CountCompletedAsync(client, instances);
        return new Measured(seconds, workload.Orchestrations, activities,
            stored == instances.Count ? null : $"only {stored:N0} of {instances.Count:N0} read back as Completed within {VerifyBound.TotalSeconds:F0} s");
    }

    /// <summary>Reads every instance back until all show Completed or <see cref="VerifyBound"/> passes; how many did.</summary>
    static async Task<int> CountCompletedAsync(TaskHubClient client, List<OrchestrationInstance> instances)
    {
        var clock = Stopwatch.StartNew();
        var pending = instances.Select(i => i.InstanceId).ToList();
        try
        {
            while (pending.Count > 0 && clock.Elapsed < VerifyBound)
            {
                var stillPending = new List<string>();
                foreach (var id in pending)
                {
                    if ((await client.GetOrchestrationStateAsync(id).WaitAsync(VerifyBound - clock.Elapsed))?.OrchestrationStatus != OrchestrationStatus.Completed)
                    {
                        stillPending.Add(id);
                    }
                }

                pending = stillPending;
                await Task.Delay(TimeSpan.FromMilliseconds(pending.Count > 0 ? 100 : 0));
            }
        }
        catch (Exception e) when (e is TimeoutException or ArgumentOutOfRangeException)
        {
            // The bound passed during a read: what is still pending stays uncounted.
        }

        return instances.Count - pending.Count;
    }
}
