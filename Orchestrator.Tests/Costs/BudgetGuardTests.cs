using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Host.Observability;
using Orchestrator.Host.Scheduling;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Costs;

/// <summary>
/// The budget guard on a real store, worker and local engine, its clock a fake one set to noon of the real day: the
/// store stamps runs with the real time, so the runs must fall in the fake clock's day, and the slot half an hour
/// later must too, whatever the time of day the test runs at (at 23:50 it would be the next day's).
/// A run uses more than the day's budget, the next slot is skipped or flagged, and the first slot of the next day
/// starts again.
/// </summary>
public sealed class BudgetGuardTests : IAsyncLifetime
{
    FakeTimeProvider clock = null!;
    TestHost host = null!;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        clock = new FakeTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, 12, 0, 0, TimeSpan.Zero));
        host = await TestHost.StartAsync();
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public void A_day_is_the_UTC_day_unless_the_schedule_has_a_time_zone()
    {
        var utc = Pipeline(BudgetAction.Alert);
        var paris = utc with { Schedule = new PipelineSchedule("*/30 * * * *", "Europe/Paris") };
        var lateEvening = new DateTime(2026, 12, 1, 23, 30, 0, DateTimeKind.Utc);

        var (utcDay, utcStart, utcEnd, _) = PipelineBudgets.DayOf(utc, lateEvening);
        var (parisDay, parisStart, parisEnd, zone) = PipelineBudgets.DayOf(paris, lateEvening);

        Assert.Equal(new DateOnly(2026, 12, 1), utcDay);
        Assert.Equal((new DateTime(2026, 12, 1, 0, 0, 0), new DateTime(2026, 12, 2, 0, 0, 0)), (utcStart, utcEnd));
        Assert.Equal(new DateOnly(2026, 12, 2), parisDay);
        Assert.Equal("Europe/Paris", zone);
        Assert.Equal((new DateTime(2026, 12, 1, 23, 0, 0), new DateTime(2026, 12, 2, 23, 0, 0)), (parisStart, parisEnd));
    }

    [Fact]
    public async Task SkipScheduled_skips_slots_past_the_budget_until_the_next_day_and_counts_them_like_overlap_skips()
    {
        var pipeline = Pipeline(BudgetAction.SkipScheduled);
        var log = new FakeLogger<PipelineScheduler>();
        var scheduler = Scheduler(pipeline, log);
        await scheduler.EvaluateAsync(Token);
        var first = Assert.Single(await RunIdsAsync());
        await host.Service<IOrchestrationServiceClient>().WaitForOrchestrationAsync(first, null, TimeSpan.FromSeconds(90), Token);
        var used = await Budgets(pipeline).CheckAsync(pipeline, Token);
        Assert.True(used.Exceeded, used.Reason);
        Assert.True(used.Used.DpuHours > 0.1, $"the first run used {used.Used.DpuHours} DPU-hours");

        clock.Advance(TimeSpan.FromMinutes(30));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal([first], await RunIdsAsync());
        Assert.Contains(log.Collector.GetSnapshot(), r => r.Id.Id == 1700 && r.Message.Contains("over budget", StringComparison.Ordinal));

        var midnight = clock.GetUtcNow().UtcDateTime.Date.AddDays(1);
        clock.SetUtcNow(new DateTimeOffset(midnight.AddMinutes(1), TimeSpan.Zero));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal([first, RunIds.Scheduled(pipeline.Name, midnight)], await RunIdsAsync());
    }

    [Fact]
    public async Task Alert_starts_slots_past_the_budget_and_only_flags_them()
    {
        var pipeline = Pipeline(BudgetAction.Alert);
        var log = new FakeLogger<PipelineScheduler>();
        var scheduler = Scheduler(pipeline, log);
        await scheduler.EvaluateAsync(Token);
        var first = Assert.Single(await RunIdsAsync());
        await host.Service<IOrchestrationServiceClient>().WaitForOrchestrationAsync(first, null, TimeSpan.FromSeconds(90), Token);

        clock.Advance(TimeSpan.FromMinutes(30));
        await scheduler.EvaluateAsync(Token);

        Assert.Equal(2, (await RunIdsAsync()).Count);
        Assert.Contains(log.Collector.GetSnapshot(), r => r.Id.Id == 1701 && r.Message.Contains("Action Alert", StringComparison.Ordinal));
    }

    PipelineDefinition Pipeline(BudgetAction action)
    {
        var shipped = host.Service<PipelineCatalog>().Find("data-preparation")!;
        return shipped with
        {
            Schedule = new PipelineSchedule("*/30 * * * *", "UTC"),
            RunOnStartup = true,
            Budget = new PipelineBudget(0.1, action),
        };
    }

    RunQueries Queries(PipelineDefinition pipeline) => new(
        host.Service<IOrchestrationServiceClient>(), host.Service<Orchestrator.Storage.Listings.IInstanceListing>(), new PipelineCatalog([pipeline]),
        host.Service<IGlueBackend>(), new RunListingCache(clock), clock, NullLogger<RunQueries>.Instance);

    PipelineBudgets Budgets(PipelineDefinition pipeline) => new(Queries(pipeline), clock);

    PipelineScheduler Scheduler(PipelineDefinition pipeline, FakeLogger<PipelineScheduler> log) => new(
        new PipelineCatalog([pipeline]), Queries(pipeline),
        new RunCommands(host.Service<IOrchestrationServiceClient>(), Queries(pipeline), new RunListingCache(clock), clock, NullLogger<RunCommands>.Instance),
        new ScheduleStateStore(host.Service<IOrchestrationServiceClient>(), clock), host.Service<OrchestratorMetrics>(), clock, log, Budgets(pipeline));

    async Task<List<string>> RunIdsAsync()
    {
        var page = await host.Service<IOrchestrationServiceQueryClient>().GetOrchestrationWithQueryAsync(
            new OrchestrationQuery { InstanceIdPrefix = "data-preparation@", PageSize = 100 }, Token);
        return page.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId).Where(RunIds.IsRun).Order(StringComparer.Ordinal).ToList();
    }
}
