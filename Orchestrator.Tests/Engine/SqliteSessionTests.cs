using System.Diagnostics;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Data.Sqlite;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Engine.Workloads;

namespace Orchestrator.Tests.Engine;

/// <summary>Extended sessions on the SQLite store: kept while messages come, let go on idle, stop, eviction and lock loss.</summary>
public sealed class SqliteSessionTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    string StorePath => directory.File("orchestrator.db");

    // Minimum history 0 unless a test says otherwise: the workloads here are short, and these tests are about sessions.
    SqliteOrchestrationService NewStore(TimeSpan idle, int maxSessions = 64, TimeSpan? lockTimeout = null, int slots = 8, int minimumHistory = 0) =>
        new(new SqliteOrchestrationServiceSettings(StorePath)
        {
            ExtendedSessionIdleTimeout = idle,
            MaxExtendedSessions = maxSessions,
            ExtendedSessionMinimumHistory = minimumHistory,
            MaxConcurrentOrchestrations = slots,
            WorkItemLockTimeout = lockTimeout ?? TimeSpan.FromSeconds(30),
            MaxPollingInterval = TimeSpan.FromMilliseconds(100),
        });

    [Fact]
    public async Task A_waiting_orchestration_stays_locked_with_its_lock_renewed_until_the_idle_window_ends()
    {
        var store = NewStore(idle: TimeSpan.FromSeconds(4), lockTimeout: TimeSpan.FromSeconds(1));
        await using var engine = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog());
        var instance = await engine.StartAsync<ApprovalOrchestration>("order-7");
        await engine.WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);

        // Three lock timeouts later the session still owns the instance: its lock is renewed while it waits.
        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        var held = ReadLock(instance.InstanceId);
        Assert.NotNull(held.LockedBy);
        Assert.True(held.Expiration > DateTime.UtcNow, $"the lock expired at {held.Expiration:o}");

        // Idle past the window: the session lets the instance go.
        await WaitUntilAsync(() => ReadLock(instance.InstanceId).LockedBy is null, TimeSpan.FromSeconds(10));
        await engine.Client.RaiseEventAsync(instance, "approve", "yes");
        var state = await engine.WaitAsync(instance);
        Assert.Equal("\"order-7:yes\"", state.Output);
    }

    [Fact]
    public async Task An_event_for_an_orchestration_waiting_in_a_session_completes_it_and_the_session_ends()
    {
        var store = NewStore(idle: TimeSpan.FromSeconds(30));
        await using var engine = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog());
        var instance = await engine.StartAsync<ApprovalOrchestration>("order-8");
        await engine.WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);
        Assert.NotNull(ReadLock(instance.InstanceId).LockedBy);
        Assert.Equal(1, store.ActiveSessionCount);

        await engine.Client.RaiseEventAsync(instance, "approve", "ok");
        var state = await engine.WaitAsync(instance, TimeSpan.FromSeconds(10));

        Assert.Equal("\"order-8:ok\"", state.Output);
        Assert.Null(ReadLock(instance.InstanceId).LockedBy);
        Assert.Equal(0, store.ActiveSessionCount);
    }

    [Fact]
    public async Task An_instance_with_a_short_history_waits_without_a_session_and_one_with_a_long_history_keeps_its_session()
    {
        var store = NewStore(idle: TimeSpan.FromMinutes(1), minimumHistory: 12);
        await using var engine = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog());

        // Its only turn starts from an empty history: no session, so the instance waits for its event unlocked.
        var brief = await engine.StartAsync<StepsThenApprovalOrchestration>(0, "brief");
        // Six activities one after another: by the last completion its history is past 12 events.
        var lengthy = await engine.StartAsync<StepsThenApprovalOrchestration>(6, "long");
        await engine.WaitForStatusAsync(brief.InstanceId, OrchestrationStatus.Running);
        await WaitUntilAsync(() => engine.Client.GetOrchestrationStateAsync(lengthy.InstanceId).Result?.Status == "\"waiting\"", TimeSpan.FromSeconds(20));
        await WaitUntilAsync(() => ReadLock(brief.InstanceId).LockedBy is null, TimeSpan.FromSeconds(5));

        Assert.NotNull(ReadLock(lengthy.InstanceId).LockedBy);
        Assert.Equal(1, store.ActiveSessionCount);
        await engine.Client.RaiseEventAsync(brief, "approve", "a");
        await engine.Client.RaiseEventAsync(lengthy, "approve", "b");
        Assert.Equal("\"brief:a\"", (await engine.WaitAsync(brief, TimeSpan.FromSeconds(10))).Output);
        Assert.Equal("\"long:b\"", (await engine.WaitAsync(lengthy, TimeSpan.FromSeconds(10))).Output);
    }

    [Fact]
    public async Task Stopping_the_worker_ends_waiting_sessions_at_once_and_frees_their_locks()
    {
        var store = NewStore(idle: TimeSpan.FromMinutes(5));
        var engine = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog());
        var instance = await engine.StartAsync<ApprovalOrchestration>("order-9");
        await engine.WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);
        Assert.NotNull(ReadLock(instance.InstanceId).LockedBy);

        var clock = Stopwatch.StartNew();
        await engine.StopGracefullyAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"a graceful stop waited {clock.Elapsed} for idle sessions");
        Assert.Null(ReadLock(instance.InstanceId).LockedBy);
        await engine.DisposeAsync();
    }

    [Fact]
    public async Task Beyond_the_session_bound_the_least_recently_used_idle_session_ends()
    {
        var store = NewStore(idle: TimeSpan.FromMinutes(1), maxSessions: 2);
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        await store.StartAsync();
        var first = await LockAsync(store, client, "first");
        var second = await LockAsync(store, client, "second");
        var firstFetch = first.Session!.FetchNewOrchestrationMessagesAsync(first);
        await Task.Delay(200, Token);
        var secondFetch = second.Session!.FetchNewOrchestrationMessagesAsync(second);
        await Task.Delay(200, Token);

        var third = await LockAsync(store, client, "third");

        Assert.Null(await firstFetch.WaitAsync(TimeSpan.FromSeconds(5), Token));
        Assert.False(secondFetch.IsCompleted, "the more recently used session was evicted");
        Assert.NotNull(third.Session);
        Assert.Equal(2, store.ActiveSessionCount);
        await store.StopAsync(isForced: true);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public async Task A_waiting_session_gives_its_slot_up_only_when_every_slot_is_taken_and_another_instance_has_work(int slots, bool givesWay)
    {
        var store = NewStore(idle: TimeSpan.FromMinutes(1), slots: slots);
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        await store.StartAsync();
        var waiting = await LockAsync(store, client, "waiting");
        var fetch = waiting.Session!.FetchNewOrchestrationMessagesAsync(waiting);

        // A second work item in a turn; then work arrives for a third instance that no slot is free for (with 2).
        await LockAsync(store, client, "busy");
        await client.StartAsync<ApprovalOrchestration>("x", "ready");

        if (givesWay)
        {
            Assert.Null(await fetch.WaitAsync(TimeSpan.FromSeconds(5), Token));
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(2), Token);
            Assert.False(fetch.IsCompleted, "the session ended although a slot was free for the ready instance");
        }

        await store.StopAsync(isForced: true);
    }

    [Fact]
    public async Task A_session_that_lost_its_lock_to_another_worker_ends_and_never_writes()
    {
        var store = NewStore(idle: TimeSpan.FromMinutes(1));
        await using var client = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(), runWorker: false);
        await store.StartAsync();
        var workItem = await LockAsync(store, client, "stolen");
        var fetch = workItem.Session!.FetchNewOrchestrationMessagesAsync(workItem);

        // Another process took the instance over (as after an expired lock).
        using (var connection = new SqliteConnection($"Data Source={StorePath};Pooling=false"))
        {
            connection.Open();
            using var steal = connection.CreateCommand();
            steal.CommandText = "UPDATE Instances SET LockedBy = 'other-machine/1/0/0:x', LockExpiration = '9999-01-01' WHERE InstanceId = 'stolen';";
            Assert.Equal(1, steal.ExecuteNonQuery());
        }

        await client.Client.RaiseEventAsync(new OrchestrationInstance { InstanceId = "stolen" }, "approve", "late");
        Assert.Null(await fetch.WaitAsync(TimeSpan.FromSeconds(5), Token));

        var runtimeState = workItem.OrchestrationRuntimeState;
        foreach (var message in workItem.NewMessages)
        {
            runtimeState.AddEvent(message.Event);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CompleteTaskOrchestrationWorkItemAsync(
            workItem, runtimeState, [], [], [], null!, new OrchestrationState
            {
                OrchestrationInstance = runtimeState.OrchestrationInstance,
                Name = runtimeState.Name,
                OrchestrationStatus = OrchestrationStatus.Running,
            }));
        Assert.Empty(await store.GetHistoryEventsAsync("stolen"));
        Assert.Equal(2, (await store.GetPendingMessagesAsync("stolen")).Count);
        Assert.Equal("other-machine/1/0/0:x", ReadLock("stolen").LockedBy);
        await store.StopAsync(isForced: true);
    }

    static async Task<TaskOrchestrationWorkItem> LockAsync(SqliteOrchestrationService store, EngineHarness client, string instanceId)
    {
        await client.StartAsync<ApprovalOrchestration>("x", instanceId);
        var workItem = await store.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(10), Token);
        Assert.NotNull(workItem);
        Assert.Equal(instanceId, workItem.InstanceId);
        Assert.IsType<ExecutionStartedEvent>(Assert.Single(workItem.NewMessages).Event);
        // The dispatcher marks a work item whose session it keeps.
        workItem.IsExtendedSession = true;
        return workItem;
    }

    (string? LockedBy, DateTime? Expiration) ReadLock(string instanceId)
    {
        using var connection = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT LockedBy, LockExpiration FROM Instances WHERE InstanceId = $i;";
        command.Parameters.AddWithValue("$i", instanceId);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"no instance {instanceId}");
        return (reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : DateTime.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));
    }

    static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(50, Token);
        }
    }

    public void Dispose() => directory.Dispose();
}
