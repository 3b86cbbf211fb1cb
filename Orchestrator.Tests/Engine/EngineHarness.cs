using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Storage;
using Orchestrator.Tests.Engine.Workloads;

namespace Orchestrator.Tests.Engine;

/// <summary>A TaskHubWorker with the test workloads registered, and a client, over any durable store.</summary>
public sealed class EngineHarness : IAsyncDisposable
{
    readonly TaskHubWorker? worker;
    bool stopped;

    EngineHarness(DurableStore store, TaskHubWorker? worker)
    {
        Store = store;
        this.worker = worker;
        Client = new TaskHubClient(store.Client, loggerFactory: NullLoggerFactory.Instance);
    }

    public DurableStore Store { get; }

    public TaskHubClient Client { get; }

    public static async Task<EngineHarness> StartAsync(DurableStore store, EffectLog log, TimeSpan activityPause = default, bool runWorker = true)
    {
        await store.Service.CreateIfNotExistsAsync();
        if (!runWorker)
        {
            return new EngineHarness(store, null);
        }

        var worker = new TaskHubWorker(store.Service, NullLoggerFactory.Instance);
        worker.AddTaskOrchestrations(
            typeof(SequenceOrchestration), typeof(FanOutOrchestration), typeof(TimerOrchestration), typeof(RetryOrchestration),
            typeof(ParentOrchestration), typeof(CounterOrchestration), typeof(ApprovalOrchestration), typeof(SlowOrchestration),
            typeof(CancelledTimerOrchestration), typeof(StepsThenApprovalOrchestration));
        worker.AddTaskActivities(new EffectActivity(log, activityPause), new FlakyActivity(), new SlowActivity());
        await worker.StartAsync();
        return new EngineHarness(store, worker);
    }

    public Task<OrchestrationInstance> StartAsync<TOrchestration>(object input, string? instanceId = null) =>
        Client.CreateOrchestrationInstanceAsync(typeof(TOrchestration), instanceId ?? $"{typeof(TOrchestration).Name}-{Guid.NewGuid():N}", input);

    public async Task<OrchestrationState> RunAsync<TOrchestration>(object input, string? instanceId = null, TimeSpan? timeout = null)
    {
        var instance = await StartAsync<TOrchestration>(input, instanceId);
        return await WaitAsync(instance, timeout);
    }

    public async Task<OrchestrationState> WaitAsync(OrchestrationInstance instance, TimeSpan? timeout = null)
    {
        var state = await Client.WaitForOrchestrationAsync(instance, timeout ?? TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return state ?? throw new TimeoutException($"{instance.InstanceId} did not finish in time; status {(await Client.GetOrchestrationStateAsync(instance.InstanceId))?.OrchestrationStatus}.");
    }

    /// <summary>Polls until the instance reaches <paramref name="status"/> (not necessarily a final one).</summary>
    public async Task<OrchestrationState> WaitForStatusAsync(string instanceId, OrchestrationStatus status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = await Client.GetOrchestrationStateAsync(instanceId);
            if (state?.OrchestrationStatus == status)
            {
                return state;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{instanceId} did not reach {status}; it is {state?.OrchestrationStatus}.");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Stops the worker as the host does on shutdown: in-flight work items may finish first.</summary>
    public async Task StopGracefullyAsync()
    {
        if (worker is not null && !stopped)
        {
            stopped = true;
            await worker.StopAsync(isForced: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (worker is not null)
        {
            if (!stopped)
            {
                stopped = true;
                await worker.StopAsync(isForced: true);
            }

            worker.Dispose();
        }
    }
}
