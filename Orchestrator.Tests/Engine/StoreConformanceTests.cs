using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.Query;
using Newtonsoft.Json.Linq;
using Orchestrator.Storage;
using Orchestrator.Tests.Engine.Workloads;

namespace Orchestrator.Tests.Engine;

/// <summary>
/// The scenarios every durable store must pass, run against each provider by a subclass. Each test gets a
/// fresh store (a new file, or a new task hub).
/// </summary>
public abstract class StoreConformanceTests
{
    protected abstract Task<DurableStore> CreateStoreAsync();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    async Task<EngineHarness> StartAsync(EffectLog log, TimeSpan activityPause = default) =>
        await EngineHarness.StartAsync(await CreateStoreAsync(), log, activityPause);

    [Fact]
    public async Task A_sequence_of_activities_runs_in_order_each_once()
    {
        var log = new EffectLog();
        await using var engine = await StartAsync(log);

        var state = await engine.RunAsync<SequenceOrchestration>(5);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("[2,4,6,8,10]", state.Output);
        Assert.Equal([1, 2, 3, 4, 5], log.Effects);
    }

    [Fact]
    public async Task A_fan_out_of_1000_activities_fans_back_in_with_every_result()
    {
        var log = new EffectLog();
        await using var engine = await StartAsync(log);

        var state = await engine.RunAsync<FanOutOrchestration>(1000, timeout: TimeSpan.FromMinutes(3));

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal((2L * 1000 * 1001 / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), state.Output);
        Assert.Equal(Enumerable.Range(1, 1000), log.Effects.Order());
    }

    [Fact]
    public async Task A_durable_timer_never_fires_early()
    {
        await using var engine = await StartAsync(new EffectLog());
        var dueAt = DateTime.UtcNow.AddSeconds(2);

        var state = await engine.RunAsync<TimerOrchestration>(dueAt);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        var firedAt = Newtonsoft.Json.JsonConvert.DeserializeObject<DateTime>(state.Output);
        Assert.True(firedAt >= dueAt, $"timer due at {dueAt:O} fired at {firedAt:O}");
        Assert.True(state.CompletedTime >= dueAt, $"completed at {state.CompletedTime:O}, before the timer was due");
    }

    [Fact]
    public async Task A_timer_due_in_the_past_fires_at_once()
    {
        await using var engine = await StartAsync(new EffectLog());
        var started = DateTime.UtcNow;

        var state = await engine.RunAsync<TimerOrchestration>(started.AddHours(-1));

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.True(state.CompletedTime - started < TimeSpan.FromSeconds(5), $"took {state.CompletedTime - started}");
    }

    [Fact]
    public async Task ScheduleWithRetry_retries_a_failing_activity_until_it_succeeds()
    {
        await using var engine = await StartAsync(new EffectLog());
        var key = Guid.NewGuid().ToString("N");

        var state = await engine.RunAsync<RetryOrchestration>(new RetryInput(key, FailTimes: 2, MaxAttempts: 3));

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("3", state.Output);
        Assert.Equal(3, FlakyActivity.AttemptsFor(key));
    }

    [Fact]
    public async Task ScheduleWithRetry_gives_up_after_max_attempts_and_fails_the_orchestration()
    {
        await using var engine = await StartAsync(new EffectLog());
        var key = Guid.NewGuid().ToString("N");

        var state = await engine.RunAsync<RetryOrchestration>(new RetryInput(key, FailTimes: 5, MaxAttempts: 2));

        Assert.Equal(OrchestrationStatus.Failed, state.OrchestrationStatus);
        Assert.Equal(2, FlakyActivity.AttemptsFor(key));
        Assert.Contains("fails on purpose", state.Output ?? state.FailureDetails?.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sub_orchestration_returns_its_result_to_the_parent()
    {
        await using var engine = await StartAsync(new EffectLog());

        var state = await engine.RunAsync<ParentOrchestration>(4, instanceId: "parent-1");

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("20", state.Output);
        var child = await engine.Client.GetOrchestrationStateAsync("parent-1:child");
        Assert.Equal(OrchestrationStatus.Completed, child?.OrchestrationStatus);
        Assert.Equal("parent-1", child?.ParentInstance?.OrchestrationInstance.InstanceId);
    }

    /// <summary>
    /// A run that ends before its deadline cancels the deadline's timer; the timer's message still reaches the
    /// finished run later. It must neither bring the run back to life nor change what it recorded.
    /// </summary>
    [Fact]
    public async Task A_cancelled_timer_that_fires_after_its_instance_finished_leaves_the_instance_as_it_was()
    {
        await using var engine = await StartAsync(new EffectLog());
        var dueAt = DateTime.UtcNow.AddSeconds(6);

        var parent = await engine.RunAsync<CancelledTimerOrchestration>(dueAt, instanceId: "finished-first");
        var historyBefore = await engine.Store.Client.GetOrchestrationHistoryAsync("finished-first", null);
        await Task.Delay(dueAt - DateTime.UtcNow + TimeSpan.FromSeconds(2), Token);
        var after = await engine.Client.GetOrchestrationStateAsync("finished-first");

        Assert.Equal(OrchestrationStatus.Completed, parent.OrchestrationStatus);
        Assert.Equal("\"parent done\"", parent.Output);
        Assert.True(parent.CompletedTime < dueAt, $"the instance completed at {parent.CompletedTime:O}, not before its timer was due at {dueAt:O}");
        Assert.Equal(OrchestrationStatus.Completed, after?.OrchestrationStatus);
        Assert.Equal(parent.Output, after?.Output);
        Assert.Equal(parent.CompletedTime, after?.CompletedTime);
        Assert.Equal(historyBefore, await engine.Store.Client.GetOrchestrationHistoryAsync("finished-first", null));
        Assert.Equal(1, (await engine.Store.Purge.PurgeInstanceStateAsync("finished-first")).DeletedInstanceCount);
    }

    [Fact]
    public async Task ContinueAsNew_100_times_keeps_the_history_small()
    {
        var log = new EffectLog();
        await using var engine = await StartAsync(log);

        var state = await engine.RunAsync<CounterOrchestration>(new CounterInput(0, 100), timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("100", state.Output);
        Assert.Equal(Enumerable.Range(0, 100), log.Effects.Order());
        // The stored input is the last execution's, not the first's.
        Assert.Equal(100, JObject.Parse(state.Input)["Count"]?.Value<int>());
        var history = JArray.Parse(await engine.Store.Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance.InstanceId, null));
        Assert.InRange(history.Count, 1, 10);
    }

    [Fact]
    public async Task An_external_event_reaches_a_waiting_orchestration()
    {
        await using var engine = await StartAsync(new EffectLog());
        var instance = await engine.StartAsync<ApprovalOrchestration>("order-7");
        await engine.WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);

        await engine.Client.RaiseEventAsync(instance, "approve", "yes");

        var state = await engine.WaitAsync(instance);
        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("\"order-7:yes\"", state.Output);
    }

    [Fact]
    public async Task Terminating_a_waiting_instance_ends_it_and_later_events_are_ignored()
    {
        await using var engine = await StartAsync(new EffectLog());
        var instance = await engine.StartAsync<ApprovalOrchestration>("order-8");
        await engine.WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);

        await engine.Client.TerminateInstanceAsync(instance, "operator said stop");
        var state = await engine.WaitAsync(instance);
        await engine.Client.RaiseEventAsync(instance, "approve", "too late");
        await Task.Delay(500, Token);

        Assert.Equal(OrchestrationStatus.Terminated, state.OrchestrationStatus);
        Assert.Contains("operator said stop", state.Output, StringComparison.Ordinal);
        Assert.Equal(OrchestrationStatus.Terminated, (await engine.Client.GetOrchestrationStateAsync(instance.InstanceId))?.OrchestrationStatus);
    }

    [Fact]
    public async Task Terminating_an_instance_with_a_running_activity_ends_it_and_drops_the_late_result()
    {
        await using var engine = await StartAsync(new EffectLog());
        var instance = await engine.StartAsync<SlowOrchestration>(1500);
        await engine.WaitForStatusAsync(instance.InstanceId, OrchestrationStatus.Running);

        await engine.Client.TerminateInstanceAsync(instance, "cancelled");
        var state = await engine.WaitAsync(instance);
        await Task.Delay(2500, Token);

        Assert.Equal(OrchestrationStatus.Terminated, state.OrchestrationStatus);
        var later = await engine.Client.GetOrchestrationStateAsync(instance.InstanceId);
        Assert.Equal(OrchestrationStatus.Terminated, later?.OrchestrationStatus);
        Assert.DoesNotContain("slow done", later?.Output ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_an_existing_instance_respects_dedupe_statuses()
    {
        await using var engine = await StartAsync(new EffectLog());
        await engine.RunAsync<SequenceOrchestration>(1, instanceId: "dedupe-1");

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() => engine.Client.CreateOrchestrationInstanceAsync(
            typeof(SequenceOrchestration), "dedupe-1", 1, [OrchestrationStatus.Completed, OrchestrationStatus.Running, OrchestrationStatus.Pending]));

        var again = await engine.Client.CreateOrchestrationInstanceAsync(typeof(SequenceOrchestration), "dedupe-1", 2, [OrchestrationStatus.Running, OrchestrationStatus.Pending]);
        var state = await engine.WaitAsync(again);
        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal("[2,4]", state.Output);
    }

    [Fact]
    public async Task Query_lists_newest_first_with_paging_filters_and_purge()
    {
        await using var engine = await StartAsync(new EffectLog());
        var before = DateTime.UtcNow;
        for (var i = 0; i < 25; i++)
        {
            await engine.StartAsync<SequenceOrchestration>(1, $"q-{i:00}");
            await Task.Delay(2, Token);
        }

        foreach (var i in Enumerable.Range(0, 25))
        {
            await engine.WaitAsync(new OrchestrationInstance { InstanceId = $"q-{i:00}" });
        }

        var pages = new List<IReadOnlyCollection<OrchestrationState>>();
        string? token = null;
        do
        {
            var page = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { PageSize = 10, ContinuationToken = token, InstanceIdPrefix = "q-" }, Token);
            pages.Add(page.OrchestrationState);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        var listed = pages.SelectMany(p => p).ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"q-{i:00}").Reverse(), listed.Select(s => s.OrchestrationInstance.InstanceId));
        Assert.True(listed.Zip(listed.Skip(1)).All(p => p.First.CreatedTime >= p.Second.CreatedTime), "not newest first");

        var completed = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { RuntimeStatus = [OrchestrationStatus.Completed], InstanceIdPrefix = "q-", PageSize = 100 }, Token);
        Assert.Equal(25, completed.OrchestrationState.Count);
        var running = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { RuntimeStatus = [OrchestrationStatus.Running], InstanceIdPrefix = "q-" }, Token);
        Assert.Empty(running.OrchestrationState);
        var tens = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { InstanceIdPrefix = "q-1", PageSize = 100 }, Token);
        Assert.Equal(10, tens.OrchestrationState.Count);
        var inWindow = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { CreatedTimeFrom = before.AddMinutes(-1), CreatedTimeTo = DateTime.UtcNow.AddMinutes(1), InstanceIdPrefix = "q-", PageSize = 100 }, Token);
        Assert.Equal(25, inWindow.OrchestrationState.Count);
        var future = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { CreatedTimeFrom = DateTime.UtcNow.AddMinutes(1), InstanceIdPrefix = "q-" }, Token);
        Assert.Empty(future.OrchestrationState);

        var one = await engine.Store.Purge.PurgeInstanceStateAsync("q-00");
        Assert.Equal(1, one.DeletedInstanceCount);
        Assert.Null(await engine.Client.GetOrchestrationStateAsync("q-00"));

        var some = await engine.Store.Purge.PurgeInstanceStateAsync(new PurgeInstanceFilter(before.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1), [OrchestrationStatus.Completed]));
        Assert.True(some.DeletedInstanceCount >= 24, $"purged {some.DeletedInstanceCount}");
        var left = await engine.Store.Query.GetOrchestrationWithQueryAsync(new OrchestrationQuery { InstanceIdPrefix = "q-" }, Token);
        Assert.Empty(left.OrchestrationState);
    }

    [Fact]
    public async Task Purge_by_age_removes_only_finished_instances_older_than_the_threshold()
    {
        await using var engine = await StartAsync(new EffectLog());
        await engine.RunAsync<SequenceOrchestration>(1, "old-done");
        var waiting = await engine.StartAsync<ApprovalOrchestration>("x", "old-waiting");
        await engine.WaitForStatusAsync(waiting.InstanceId, OrchestrationStatus.Running);

        await engine.Store.Client.PurgeOrchestrationHistoryAsync(DateTime.UtcNow.AddMinutes(1), OrchestrationStateTimeRangeFilterType.OrchestrationCreatedTimeFilter);

        Assert.Null(await engine.Client.GetOrchestrationStateAsync("old-done"));
        Assert.NotNull(await engine.Client.GetOrchestrationStateAsync("old-waiting"));
    }
}
