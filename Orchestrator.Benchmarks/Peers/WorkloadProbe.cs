using System.Collections.Concurrent;
using DurableTask.Core;
using DurableTask.Core.Command;
using DurableTask.Core.History;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// Watches a worker's dispatchers, whatever the store: activities finished, the delay from an activity being
/// scheduled to it starting, and each orchestration's decision to complete. The same middleware on every store, so
/// every store is measured the same way.
/// </summary>
sealed class WorkloadProbe
{
    readonly ConcurrentQueue<double> latencies = new();
    readonly ConcurrentDictionary<string, OrchestrationStatus> ended = new();
    TaskCompletionSource allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int expected;
    int activitiesDone;

    public int ActivitiesDone => Volatile.Read(ref activitiesDone);

    public int OrchestrationsEnded => ended.Count;

    public int OrchestrationsFailed => ended.Values.Count(status => status != OrchestrationStatus.Completed);

    /// <summary>The orchestration that decided last to end; its stored state shows when the last checkpoint is in.</summary>
    public string? LastEnded { get; private set; }

    /// <summary>Completes when every orchestration of the current workload has decided to end.</summary>
    public Task AllEnded => allEnded.Task;

    public void Attach(TaskHubWorker worker)
    {
        worker.AddActivityDispatcherMiddleware(async (context, next) =>
        {
            // Scheduled = when the orchestration decided to call the activity (as EngineBenchmark measures it).
            if (context.GetProperty<TaskScheduledEvent>() is { } scheduled)
            {
                latencies.Enqueue((DateTime.UtcNow - scheduled.Timestamp).TotalMilliseconds);
            }

            await next();
            Interlocked.Increment(ref activitiesDone);
        });
        worker.AddOrchestrationDispatcherMiddleware(async (context, next) =>
        {
            await next();
            // Runs on a full replay and on an extended session's new events alike; the instance id keeps a turn
            // that is retried from being counted twice.
            var completion = context.GetProperty<OrchestratorExecutionResult>()?.Actions.OfType<OrchestrationCompleteOrchestratorAction>().FirstOrDefault();
            var instance = context.GetProperty<OrchestrationInstance>();
            if (completion is not null && instance is not null && ended.TryAdd(instance.InstanceId, completion.OrchestrationStatus))
            {
                LastEnded = instance.InstanceId;
                if (ended.Count >= Volatile.Read(ref expected))
                {
                    allEnded.TrySetResult();
                }
            }
        });
    }

    /// <summary>Forgets what was seen so far and waits for <paramref name="orchestrations"/> new endings.</summary>
    public void Reset(int orchestrations)
    {
        latencies.Clear();
        ended.Clear();
        LastEnded = null;
        Volatile.Write(ref activitiesDone, 0);
        Volatile.Write(ref expected, orchestrations);
        allEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public double[] SortedLatencies()
    {
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return sorted;
    }
}
