using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Hosting;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Host.Scheduling;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Scheduling;

/// <summary>Retention purges finished runs older than the configured days, however many, and keeps schedule state.</summary>
public sealed class RetentionServiceTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Old_finished_runs_are_purged_in_batches_and_recent_ones_and_schedule_state_are_kept()
    {
        // The test host's own retention keeps ten years, so only the service under test purges.
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var pipeline = host.Service<PipelineCatalog>().Find("data-preparation")!;
        var now = DateTime.UtcNow;
        var store = System.IO.Path.Combine(host.DataDirectory, "orchestrator.db");
        await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(1200, now.AddDays(-31), TimeSpan.FromMinutes(30), RandomSeed: 1));
        await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(40, now.AddDays(2), TimeSpan.FromMinutes(30), RandomSeed: 2));
        var states = host.Service<ScheduleStateStore>();
        await states.SetAsync(pipeline.Name, paused: true, "kept across retention", Token);

        // 31 days on, the cut-off is a day from now: the schedule state written now is older than it, yet kept.
        var clock = new FakeTimeProvider(new DateTimeOffset(now.AddDays(31), TimeSpan.Zero));
        var retention = new RetentionService(host.Service<IOrchestrationServiceQueryClient>(), host.Service<IOrchestrationServicePurgeClient>(), host.Service<Orchestrator.Activities.Changes.PartitionChangeFeed>(),
            Options.Create(new OrchestratorOptions { Retention = new RetentionOptions { Days = 30 } }), clock, NullLogger<RetentionService>.Instance);

        var purged = await retention.PurgeAsync(Token);

        Assert.Equal(1200, purged);
        var left = await host.Service<IOrchestrationServiceQueryClient>().GetOrchestrationWithQueryAsync(
            new OrchestrationQuery { InstanceIdPrefix = "data-preparation@", PageSize = 1000 }, Token);
        Assert.Equal(40, left.OrchestrationState.Count);
        Assert.Equal("kept across retention", (await states.GetAsync(pipeline.Name))?.Reason);
    }
}
