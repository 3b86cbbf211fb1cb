using DurableTask.Core;
using DurableTask.Core.Serializing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Sqlite;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Glue.Faults;
using Orchestrator.Tests.Storage;

namespace Orchestrator.Tests.Costs;

/// <summary>
/// A budget check reads only what changed since the last one: a real SQLite store on the fake clock (noon of
/// 2026-11-18, so the store stamps new runs with it) holds 400 finished runs, about 240 of them on that day; the rows its
/// listings return are counted. A run that is unfinished at one check counts its cost so far, and its final cost once it
/// finishes; a new day starts from nothing.
/// </summary>
public sealed class BudgetLedgerTests : IAsyncLifetime
{
    static readonly DateTime Noon = new(2026, 11, 18, 12, 0, 0, DateTimeKind.Utc);
    static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));

    readonly TempDirectory directory = new();
    readonly FakeTimeProvider clock = new(new DateTimeOffset(Noon));
    SqliteOrchestrationService store = null!;
    CountingListing listing = null!;
    RunQueries queries = null!;
    PipelineDefinition pipeline = null!;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    string DatabasePath => directory.File("orchestrator.db");

    public async ValueTask InitializeAsync()
    {
        var entities = new[] { "customer", "customer_address", "sales" }
            .Select(e => new EntityDefinition(e, "mystore-data-preparation-parquet", new Dictionary<string, string> { ["--source_entity_name"] = e }, RetryPolicy.Default, TimeSpan.FromHours(2)))
            .ToList();
        pipeline = new PipelineDefinition("data-preparation", new PipelineSchedule("*/3 * * * *", "UTC"), OverlapPolicy.Skip, true, "mystore-raw-crawler", "mystore-clean-crawler",
            CleanCrawlerCondition.AllSucceeded, 8, new PollPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 1.5), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(27), entities)
        {
            Budget = new PipelineBudget(1000, BudgetAction.Alert),
        };
        store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(DatabasePath) { TimeProvider = clock });
        await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(400, Noon.AddMinutes(-5), TimeSpan.FromMinutes(3)));
        listing = new CountingListing(store);
        // Each listing reaches the store: the listing cache's own clock is past its reuse window at every read.
        var listingClock = new FakeTimeProvider(clock.GetUtcNow()) { AutoAdvanceAmount = RunListingCache.Reuse * 2 };
        queries = new RunQueries(store, listing, new PipelineCatalog([pipeline]), new RecordingGlue(), new RunListingCache(listingClock), clock,
            NullLogger<RunQueries>.Instance);
    }

    public ValueTask DisposeAsync()
    {
        directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_check_reads_only_new_and_unfinished_runs_and_stays_right_as_runs_finish_and_a_day_begins()
    {
        var budgets = new PipelineBudgets(queries, clock);
        var first = await budgets.CheckAsync(pipeline, Token);
        var day = await DayTotalAsync(Noon);
        Assert.InRange(day.Runs, 200, 260);
        Assert.Equal(new DateOnly(2026, 11, 18), first.Day);
        Assert.Equal(day.Cost.DpuSeconds, first.Used.DpuSeconds, 6);

        // Nothing new: the check reads the runs of the last minute before the newest (late commits), not the day.
        var read = listing.Rows;
        Assert.Equal(day.Cost.DpuSeconds, (await budgets.CheckAsync(pipeline, Token)).Used.DpuSeconds, 6);
        Assert.InRange(listing.Rows - read, 0, 2);

        // A run starts (the store stamps it at noon), has spent 100 DPU-seconds by the next check, then finishes at 300.
        var live = RunIds.Unscheduled(pipeline.Name, "manual", clock.GetUtcNow(), new Random(1));
        await new TaskHubClient(store).CreateOrchestrationInstanceAsync(RunOrchestration, string.Empty, live, null);
        Assert.Equal(day.Cost.DpuSeconds, (await budgets.CheckAsync(pipeline, Token)).Used.DpuSeconds, 6);
        clock.Advance(TimeSpan.FromMinutes(5));
        await WriteRunAsync(live, OrchestrationStatus.Running, RunStatus.Running, 100);
        Assert.Equal(day.Cost.DpuSeconds + 100, (await budgets.CheckAsync(pipeline, Token)).Used.DpuSeconds, 6);
        clock.Advance(TimeSpan.FromMinutes(5));
        await WriteRunAsync(live, OrchestrationStatus.Completed, RunStatus.Succeeded, 300);
        read = listing.Rows;
        Assert.Equal(day.Cost.DpuSeconds + 300, (await budgets.CheckAsync(pipeline, Token)).Used.DpuSeconds, 6);
        Assert.Equal(day.Cost.DpuSeconds + 300, (await budgets.CheckAsync(pipeline, Token)).Used.DpuSeconds, 6);
        Assert.InRange(listing.Rows - read, 1, 4);
        Assert.Equal((await DayTotalAsync(Noon)).Cost.DpuSeconds, day.Cost.DpuSeconds + 300, 6);

        // A new day: only its own runs count.
        clock.SetUtcNow(new DateTimeOffset(Noon.Date.AddDays(1).AddMinutes(20)));
        var early = RunIds.Unscheduled(pipeline.Name, "manual", clock.GetUtcNow().AddMinutes(-10), new Random(2));
        await store.ImportFinishedAsync([Finished(early, clock.GetUtcNow().UtcDateTime.AddMinutes(-10), 50)], Token);
        var next = await budgets.CheckAsync(pipeline, Token);
        Assert.Equal(new DateOnly(2026, 11, 19), next.Day);
        Assert.Equal(50, next.Used.DpuSeconds, 6);
    }

    /// <summary>What the run writes as it goes and when it ends: its status and its steps' costs in its custom status.</summary>
    async Task WriteRunAsync(string runId, OrchestrationStatus stored, RunStatus status, double dpuSeconds)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync(Token);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE Instances SET RuntimeStatus = @s, CustomStatus = @c, LastUpdatedTime = @t, CompletedTime = @done WHERE InstanceId = @i;";
        var now = clock.GetUtcNow().UtcDateTime;
        update.Parameters.AddWithValue("@s", stored.ToString());
        update.Parameters.AddWithValue("@c", Progress(status, dpuSeconds));
        update.Parameters.AddWithValue("@t", SqliteTime.ToText(now));
        update.Parameters.AddWithValue("@done", stored == OrchestrationStatus.Completed ? SqliteTime.ToText(now) : DBNull.Value);
        update.Parameters.AddWithValue("@i", runId);
        Assert.Equal(1, await update.ExecuteNonQueryAsync(Token));
    }

    FinishedInstance Finished(string runId, DateTime created, double dpuSeconds) =>
        new(runId, "e", RunOrchestration, OrchestrationStatus.Completed, created, created.AddMinutes(5), null, null, Progress(RunStatus.Succeeded, dpuSeconds));

    static string Progress(RunStatus status, double dpuSeconds) => JsonDataConverter.Default.Serialize(new RunProgress(
        [new StepSummary(StepIds.Entity("sales"), StepKind.EntityJob, "sales", StepState.Succeeded, null, null, 1, null, new CostTotal(dpuSeconds, dpuSeconds / 3600 * 0.44, false))],
        false, status, null));

    /// <summary>The day's runs and their cost, added up from a listing of every run.</summary>
    async Task<(int Runs, CostTotal Cost)> DayTotalAsync(DateTime at)
    {
        var rows = listing.Rows;
        var runs = await queries.ListAllAsync(new RunFilter(pipeline.Name, Limit: 500), Token).ToListAsync(Token);

        listing.Rows = rows;
        var today = runs.Where(r => r.CreatedAt >= at.Date && r.CreatedAt < at.Date.AddDays(1)).ToList();
        return (today.Count, CostTotal.Sum(today.Select(r => r.Cost)));
    }
}
