using DurableTask.Core;
using DurableTask.Core.History;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Engine.Workloads;

namespace Orchestrator.Tests.Engine;

/// <summary>Real worker processes on one SQLite file: killed mid-run, and sharing the work.</summary>
public sealed class SqliteProcessTests : IDisposable
{
    const int Activities = 1000;
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    string StorePath => directory.File("orchestrator.db");

    string EffectsPath => directory.File("effects.log");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_worker_killed_mid_fan_out_is_replaced_and_no_completed_activity_runs_again(bool sessions)
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(StorePath));
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        var instance = await client.StartAsync<FanOutOrchestration>(Activities, "crash-1");

        using var first = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(2), activityPause: TimeSpan.FromMilliseconds(10), Sessions(sessions));
        await WaitForEffectsAsync(300);
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync(Token);

        var completedBeforeKill = await CompletedActivitiesAsync(store, instance.InstanceId);
        Assert.NotEmpty(completedBeforeKill);
        Assert.True(completedBeforeKill.Count < Activities, "the fan-out finished before the kill; the test proves nothing");

        using var second = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(2), activityPause: TimeSpan.FromMilliseconds(10), Sessions(sessions));
        try
        {
            var state = await client.WaitAsync(instance, TimeSpan.FromMinutes(2));

            Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
            Assert.Equal((2L * Activities * (Activities + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), state.Output);
            var effects = EffectLog.ReadFile(EffectsPath);
            Assert.Equal(Enumerable.Range(1, Activities), effects.Select(e => e.Index).Distinct().Order());
            var rerunAfterCompletion = effects.Where(e => e.ProcessId == second.Id && completedBeforeKill.Contains(e.Index)).ToList();
            Assert.Empty(rerunAfterCompletion);
            // Only activities in flight at the kill may have run twice.
            Assert.InRange(effects.Count - Activities, 0, store.Settings.MaxConcurrentActivities);
            var completions = (await store.GetHistoryEventsAsync(instance.InstanceId)).OfType<TaskCompletedEvent>().ToList();
            Assert.Equal(Activities, completions.Count);
            Assert.Equal(Activities, completions.Select(c => c.TaskScheduledId).Distinct().Count());
        }
        finally
        {
            second.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_worker_processes_share_one_file_and_no_work_item_runs_twice(bool sessions)
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(StorePath));
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        var instance = await client.StartAsync<FanOutOrchestration>(Activities, "shared-1");

        // 40 ms an activity: one worker alone needs at least 2.5 s for the fan-out (16 at a time), longer than the two
        // processes' start-up skew, so both must take a share; at 5 ms a fast store let the first finish it alone.
        var pause = TimeSpan.FromMilliseconds(40);
        using var first = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(30), activityPause: pause, Sessions(sessions));
        using var second = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(30), activityPause: pause, Sessions(sessions));
        try
        {
            var state = await client.WaitAsync(instance, TimeSpan.FromMinutes(2));

            Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
            var effects = EffectLog.ReadFile(EffectsPath);
            Assert.Equal(Enumerable.Range(1, Activities), effects.Select(e => e.Index).Order());
            Assert.True(effects.Count(e => e.ProcessId == first.Id) > 50, "the first worker did almost nothing");
            Assert.True(effects.Count(e => e.ProcessId == second.Id) > 50, "the second worker did almost nothing");
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            second.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_worker_killed_on_this_machine_leaves_no_lock_behind_and_its_successor_resumes_within_5_s(bool sessions)
    {
        // A long lock timeout: a successor that had to wait for the killed worker's locks would wait a minute.
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(StorePath));
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        var instance = await client.StartAsync<FanOutOrchestration>(40, "locked-1");

        // The first worker holds its activities for half a minute each, so they are locked (in flight) at the kill.
        using var first = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(60), activityPause: TimeSpan.FromSeconds(30), Sessions(sessions));
        await WaitForEffectsAsync(1);
        await Task.Delay(500, Token);
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync(Token);
        var inFlight = EffectLog.ReadFile(EffectsPath).Select(e => e.Index).ToHashSet();

        using var second = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(60), activityPause: TimeSpan.Zero, Sessions(sessions));
        var restartedAt = DateTime.UtcNow;
        try
        {
            var state = await client.WaitAsync(instance, TimeSpan.FromMinutes(2));

            Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
            // Measured from the run's own events: when each activity the dead worker had locked completed.
            var completedAt = (await store.GetHistoryEventsAsync(instance.InstanceId)).OfType<TaskCompletedEvent>()
                .ToDictionary(e => int.Parse(e.Result, System.Globalization.CultureInfo.InvariantCulture) / 2, e => e.Timestamp);
            Assert.All(inFlight, index => Assert.InRange(completedAt[index] - restartedAt, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(5)));
        }
        finally
        {
            second.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Locks_of_a_live_worker_outlast_a_short_lock_timeout_because_it_renews_them(bool sessions)
    {
        // Activities take twice the lock timeout; renewed well inside it, no lock ever lapses to the other worker.
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(StorePath));
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        var instance = await client.StartAsync<FanOutOrchestration>(24, "renewed-1");

        using var first = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(2), activityPause: TimeSpan.FromSeconds(4), Sessions(sessions));
        using var second = EngineWorkerProcess.Start(StorePath, EffectsPath, lockTimeout: TimeSpan.FromSeconds(2), activityPause: TimeSpan.FromSeconds(4), Sessions(sessions));
        try
        {
            var state = await client.WaitAsync(instance, TimeSpan.FromMinutes(2));

            Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
            Assert.Equal(Enumerable.Range(1, 24), EffectLog.ReadFile(EffectsPath).Select(e => e.Index).Order());
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            second.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Each scenario runs with extended sessions (the default idle window) and without.</summary>
    static TimeSpan Sessions(bool on) => on ? TimeSpan.FromSeconds(5) : TimeSpan.Zero;

    async Task WaitForEffectsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (EffectLog.ReadFile(EffectsPath).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker process made no progress");
            await Task.Delay(20, Token);
        }
    }

    /// <summary>Activity indexes whose completion was committed: in the history, or waiting for the orchestration.</summary>
    static async Task<HashSet<int>> CompletedActivitiesAsync(SqliteOrchestrationService store, string instanceId)
    {
        var history = await store.GetHistoryEventsAsync(instanceId);
        var pending = await store.GetPendingMessagesAsync(instanceId);
        // EffectActivity returns twice its index.
        return history.Concat(pending.Select(m => m.Event)).OfType<TaskCompletedEvent>()
            .Select(e => int.Parse(e.Result, System.Globalization.CultureInfo.InvariantCulture) / 2).ToHashSet();
    }

    public void Dispose() => directory.Dispose();
}
