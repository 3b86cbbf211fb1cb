using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Glue.Local;

namespace Orchestrator.Tests.Changes;

/// <summary>
/// The change feed on real parts: a SQLite store file, the local Glue engine over a temporary lake (DuckDB, Parquet),
/// and <see cref="RecordPartitionChangesActivity"/> run the way a DurableTask worker runs it (JSON in, JSON out).
/// </summary>
sealed class ChangeFeedHarness : IAsyncDisposable
{
    public const string Pipeline = "data-preparation";

    readonly TempDirectory directory;

    ChangeFeedHarness(TempDirectory directory, DurableStore store, PartitionChangeFeed feed)
    {
        this.directory = directory;
        Store = store;
        Feed = feed;
    }

    public DurableStore Store { get; }

    public TempLake Lake { get; } = new();

    public PartitionChangeFeed Feed { get; }

    public static async Task<ChangeFeedHarness> StartAsync()
    {
        var directory = new TempDirectory();
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        await store.CreateIfNotExistsAsync();
        var pipeline = new PipelineDefinition(Pipeline, null, OverlapPolicy.Skip, false, null, null, CleanCrawlerCondition.AllSucceeded, 8,
            new PollPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 1), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            [Entity("customer", "created_datetime", "created_date"), Entity("sales", "order_datetime", "order_date")]);
        var durable = DurableStore.From(store);
        return new ChangeFeedHarness(directory, durable, new PartitionChangeFeed(durable.Journal!, new PipelineCatalog([pipeline])));
    }

    static EntityDefinition Entity(string name, string column, string key) =>
        new(name, TempLake.Job, TempLake.Arguments(name, column, key), RetryPolicy.Default, TimeSpan.FromHours(1));

    /// <summary>Runs the entity's local job over what the raw zone holds now.</summary>
    public Task<GlueJobRun> RunJobAsync(string entity) => entity == "sales"
        ? Lake.RunJobAsync(TempLake.Arguments("sales", "order_datetime", "order_date"))
        : Lake.RunJobAsync(TempLake.Arguments("customer", "created_datetime", "created_date"));

    /// <summary>Runs the activity for <paramref name="glueRun"/> as attempt 1 of <paramref name="runId"/>'s step, as a worker would.</summary>
    public async Task<PartitionChangesRecorded> RecordAsync(string runId, string entity, GlueJobRun glueRun)
    {
        var activity = new RecordPartitionChangesActivity(Lake.Backend, Feed, Lake.Time, NullLogger<RecordPartitionChangesActivity>.Instance);
        var request = new RecordPartitionChangesRequest(runId, StepIds.Entity(entity), entity, TempLake.Job, new Dictionary<string, string>(), glueRun.Id, 1);
        var result = await activity.RunAsync(new TaskContext(new OrchestrationInstance { InstanceId = RunIds.Step(runId, StepIds.Entity(entity)) }),
            JsonConvert.SerializeObject(new object[] { request }));
        return JsonConvert.DeserializeObject<PartitionChangesRecorded>(result)!;
    }

    /// <summary>
    /// Runs the poll of attempt 1 of <paramref name="runId"/>'s step for <paramref name="glueRun"/>, as a worker would,
    /// asking it to record the run's changes when it finds the run SUCCEEDED.
    /// </summary>
    public async Task<JobRunSnapshot> PollAsync(string runId, string entity, GlueJobRun glueRun)
    {
        var activity = new GetJobRunActivity(Lake.Backend, NullLogger<GetJobRunActivity>.Instance, null, Feed, Lake.Time);
        var record = new RecordPartitionChangesRequest(runId, StepIds.Entity(entity), entity, TempLake.Job, new Dictionary<string, string>(), glueRun.Id, 1);
        var request = new JobRunRequest(runId, StepIds.Entity(entity), TempLake.Job, glueRun.Id, record);
        var result = await activity.RunAsync(new TaskContext(new OrchestrationInstance { InstanceId = RunIds.Step(runId, StepIds.Entity(entity)) }),
            JsonConvert.SerializeObject(new object[] { request }));
        return JsonConvert.DeserializeObject<JobRunSnapshot>(result)!;
    }

    /// <summary>Every change after <paramref name="cursor"/>, page after page; the cursor to resume from.</summary>
    public async Task<(List<PartitionChange> Changes, string Cursor)> ReadAllAsync(string? cursor = null, string? entity = null, string? runId = null)
    {
        var changes = new List<PartitionChange>();
        while (true)
        {
            var page = await Feed.ReadAsync(new ChangeFilter(Pipeline, entity, runId, cursor, 2), TestContext.Current.CancellationToken);
            changes.AddRange(page.Changes);
            cursor = page.NextCursor;
            if (!page.HasMore)
            {
                return (changes, cursor);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Lake.DisposeAsync();
        directory.Dispose();
    }
}
