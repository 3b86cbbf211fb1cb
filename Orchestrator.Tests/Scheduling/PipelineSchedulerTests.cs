using System.Diagnostics.Metrics;
using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Host.Observability;
using Orchestrator.Host.Scheduling;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Scheduling;

/// <summary>
/// The scheduler on a real store and worker, its clock a fake one: slots are computed from the fake time, and a
/// "restart" is a new scheduler over the same store.
/// </summary>
public sealed class PipelineSchedulerTests : IAsyncLifetime
{
    static readonly DateTimeOffset TenOClock = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    readonly FakeTimeProvider clock = new(TenOClock.AddMinutes(7));
    TestHost host = null!;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => host = await TestHost.StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_due_slot_starts_one_run_whose_id_is_the_slot_and_a_restart_never_starts_it_again()
    {
        var pipeline = Scheduled(runOnStartup: false);
        var first = Scheduler(pipeline);
        await first.EvaluateAsync(Token);
        Assert.Empty(await RunIdsAsync());

        clock.SetUtcNow(TenOClock.AddMinutes(30));
        await first.EvaluateAsync(Token);
        await Scheduler(pipeline).EvaluateAsync(Token);
        await Scheduler(pipeline).EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1030Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task RunOnStartup_starts_the_current_slot_at_once()
    {
        await Scheduler(Scheduled(runOnStartup: true)).EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1000Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task After_downtime_only_the_most_recent_missed_slot_is_started_once()
    {
        var pipeline = Scheduled(runOnStartup: true);
        await Scheduler(pipeline).EvaluateAsync(Token);
        await FinishAllAsync();

        clock.SetUtcNow(TenOClock.AddHours(2).AddMinutes(10));
        var restarted = Scheduler(pipeline);
        await restarted.EvaluateAsync(Token);
        await restarted.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1000Z", "data-preparation@20261125T1200Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task Skip_policy_skips_a_slot_while_a_run_is_active()
    {
        var pipeline = Scheduled(runOnStartup: true, overlap: OverlapPolicy.Skip, slowPolling: true);
        var scheduler = Scheduler(pipeline);
        await scheduler.EvaluateAsync(Token);

        clock.SetUtcNow(TenOClock.AddMinutes(30));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1000Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task Allow_policy_starts_a_slot_beside_the_active_run()
    {
        var pipeline = Scheduled(runOnStartup: true, overlap: OverlapPolicy.Allow, slowPolling: true);
        var scheduler = Scheduler(pipeline);
        await scheduler.EvaluateAsync(Token);

        clock.SetUtcNow(TenOClock.AddMinutes(30));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1000Z", "data-preparation@20261125T1030Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task Queue_policy_starts_the_slot_when_the_active_run_ends()
    {
        var pipeline = Scheduled(runOnStartup: true, overlap: OverlapPolicy.Queue, slowPolling: true);
        var scheduler = Scheduler(pipeline);
        await scheduler.EvaluateAsync(Token);
        clock.SetUtcNow(TenOClock.AddMinutes(31));
        await scheduler.EvaluateAsync(Token);
        Assert.Equal(["data-preparation@20261125T1000Z"], await RunIdsAsync());

        await Runs(pipeline).TerminateAsync("data-preparation@20261125T1000Z", "make way", cancellationToken: Token);
        await FinishAllAsync();
        clock.Advance(TimeSpan.FromSeconds(15));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1000Z", "data-preparation@20261125T1030Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task A_queued_slot_is_superseded_when_a_newer_slot_starts()
    {
        var pipeline = Scheduled(runOnStartup: true, overlap: OverlapPolicy.Queue, slowPolling: true);
        var scheduler = Scheduler(pipeline);
        await scheduler.EvaluateAsync(Token);
        clock.SetUtcNow(TenOClock.AddMinutes(31));
        await scheduler.EvaluateAsync(Token);

        await Runs(pipeline).TerminateAsync("data-preparation@20261125T1000Z", "make way", cancellationToken: Token);
        await FinishAllAsync();
        clock.SetUtcNow(TenOClock.AddMinutes(60));
        await scheduler.EvaluateAsync(Token);
        clock.Advance(TimeSpan.FromSeconds(15));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1000Z", "data-preparation@20261125T1100Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task A_weekly_schedule_catches_up_its_latest_missed_slot_after_days_of_downtime()
    {
        var pipeline = Scheduled(runOnStartup: false) with { Schedule = new PipelineSchedule("0 3 * * 1", "UTC") };
        await Runs(pipeline).StartAsync(pipeline.Name, new StartRunRequest(), Token);
        await FinishAllAsync();

        await Scheduler(pipeline).EvaluateAsync(Token);

        Assert.Contains("data-preparation@20261123T0300Z", await RunIdsAsync());
    }

    [Fact]
    public async Task A_paused_schedule_stays_paused_across_a_restart_and_runs_again_when_resumed()
    {
        var pipeline = Scheduled(runOnStartup: false);
        var states = new ScheduleStateStore(host.Service<IOrchestrationServiceClient>(), clock);
        await Scheduler(pipeline).EvaluateAsync(Token);
        await states.SetAsync(pipeline.Name, paused: true, "maintenance", Token);

        var restarted = Scheduler(pipeline);
        await restarted.EvaluateAsync(Token);
        clock.SetUtcNow(TenOClock.AddMinutes(30));
        await restarted.EvaluateAsync(Token);
        Assert.Empty(await RunIdsAsync());
        Assert.Equal("maintenance", (await states.GetAsync(pipeline.Name))?.Reason);

        await states.SetAsync(pipeline.Name, paused: false, null, Token);
        clock.SetUtcNow(TenOClock.AddMinutes(60));
        await restarted.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1100Z"], await RunIdsAsync());
    }

    [Fact]
    public async Task Two_hosts_sharing_a_store_on_a_one_minute_schedule_never_skip_a_slot_for_its_own_run()
    {
        var everyMinute = new PipelineSchedule("* * * * *", "UTC");
        var pipeline = Scheduled(runOnStartup: false, overlap: OverlapPolicy.Skip, slowPolling: true) with { Schedule = everyMinute };
        using var skipped = new MetricCollector<long>(host.Service<IMeterFactory>(), OrchestratorMeter.Name, "orchestrator.schedule.slots.skipped");
        var logA = new FakeLogger<PipelineScheduler>();
        var logB = new FakeLogger<PipelineScheduler>();
        var hostA = Scheduler(pipeline, logA);
        var hostB = Scheduler(pipeline, logB);
        await hostA.EvaluateAsync(Token);
        await hostB.EvaluateAsync(Token);

        // Host A starts the 10:08 slot; host B handles the same slot while that run is active.
        clock.SetUtcNow(TenOClock.AddMinutes(8));
        await hostA.EvaluateAsync(Token);
        await hostB.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1008Z"], await RunIdsAsync());
        Assert.Empty(skipped.GetMeasurementSnapshot());
        Assert.DoesNotContain(logA.Collector.GetSnapshot().Concat(logB.Collector.GetSnapshot()), r => r.Message.Contains("skipped", StringComparison.Ordinal));
        Assert.Contains(logB.Collector.GetSnapshot(), r => r.Message.Contains("already started as run data-preparation@20261125T1008Z", StringComparison.Ordinal));

        // The next slot meets a genuinely different active run: that one is skipped, and counted, on each host.
        clock.SetUtcNow(TenOClock.AddMinutes(9));
        await hostB.EvaluateAsync(Token);
        await hostA.EvaluateAsync(Token);

        Assert.Equal(["data-preparation@20261125T1008Z"], await RunIdsAsync());
        Assert.Equal(2, skipped.GetMeasurementSnapshot().Count(m => m.Tags["reason"] as string == "overlap"));
    }

    PipelineDefinition Scheduled(bool runOnStartup, OverlapPolicy overlap = OverlapPolicy.Skip, bool slowPolling = false)
    {
        var shipped = host.Service<PipelineCatalog>().Find("data-preparation")!;
        return shipped with
        {
            Schedule = new PipelineSchedule("*/30 * * * *", "UTC"),
            RunOnStartup = runOnStartup,
            Overlap = overlap,
            Poll = slowPolling ? new PollPolicy(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), 1) : shipped.Poll,
        };
    }

    RunQueries Queries(PipelineDefinition pipeline) => new(
        host.Service<IOrchestrationServiceClient>(), host.Service<Orchestrator.Storage.Listings.IInstanceListing>(), new PipelineCatalog([pipeline]),
        host.Service<IGlueBackend>(), new RunListingCache(clock), clock, NullLogger<RunQueries>.Instance);

    RunCommands Runs(PipelineDefinition pipeline) => new(
        host.Service<IOrchestrationServiceClient>(), Queries(pipeline), new RunListingCache(clock), clock, NullLogger<RunCommands>.Instance);

    PipelineScheduler Scheduler(PipelineDefinition pipeline, ILogger<PipelineScheduler>? logger = null) => new(
        new PipelineCatalog([pipeline]), Queries(pipeline), Runs(pipeline), new ScheduleStateStore(host.Service<IOrchestrationServiceClient>(), clock),
        host.Service<OrchestratorMetrics>(), clock, logger ?? NullLogger<PipelineScheduler>.Instance);

    async Task<List<string>> RunIdsAsync()
    {
        var page = await host.Service<IOrchestrationServiceQueryClient>().GetOrchestrationWithQueryAsync(
            new OrchestrationQuery { InstanceIdPrefix = "data-preparation@", PageSize = 100 }, Token);
        return page.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId).Where(RunIds.IsRun).Order(StringComparer.Ordinal).ToList();
    }

    async Task FinishAllAsync()
    {
        foreach (var id in await RunIdsAsync())
        {
            await host.Service<IOrchestrationServiceClient>().WaitForOrchestrationAsync(id, null, TimeSpan.FromSeconds(60), Token);
        }
    }
}
