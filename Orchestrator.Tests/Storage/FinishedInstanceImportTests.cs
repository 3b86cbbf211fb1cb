using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Storage;

/// <summary>
/// The store's bulk load of finished instances (what the rehearsal seeder and the benchmarks use instead of
/// writing the store's tables themselves): what it writes reads back through the store's own queries.
/// </summary>
public sealed class FinishedInstanceImportTests : IDisposable
{
    static readonly DateTime Created = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Imported_instances_read_back_with_their_status_times_tags_and_history()
    {
        var store = await NewStoreAsync();
        var history = new List<HistoryEvent>
        {
            new ExecutionStartedEvent(-1, "\"in\"") { Name = "Run", Version = string.Empty, Timestamp = Created },
            new ExecutionCompletedEvent(0, "\"out\"", OrchestrationStatus.Completed) { Timestamp = Created.AddMinutes(5) },
        };
        var first = new FinishedInstance("run-1", "e1", "Run", OrchestrationStatus.Completed, Created, Created.AddMinutes(5),
            "\"in\"", "\"out\"", "\"done\"", new Dictionary<string, string> { ["pipeline"] = "sales" }, history);
        var second = new FinishedInstance("run-2", "e2", "Run", OrchestrationStatus.Failed, Created.AddHours(1), Created.AddHours(2),
            null, null, null);

        var written = await store.ImportFinishedAsync([first, second], Token);

        Assert.Equal(2, written);
        var state = await store.GetOrchestrationStateAsync("run-1", executionId: null);
        Assert.NotNull(state);
        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Equal(Created, state.CreatedTime);
        Assert.Equal(Created.AddMinutes(5), state.CompletedTime);
        Assert.Equal("\"in\"", state.Input);
        Assert.Equal("\"out\"", state.Output);
        Assert.Equal("\"done\"", state.Status);
        Assert.Equal("sales", state.Tags["pipeline"]);
        var events = await store.GetHistoryEventsAsync("run-1");
        Assert.Equal([EventType.ExecutionStarted, EventType.ExecutionCompleted], events.Select(e => e.EventType));

        var failed = await store.GetOrchestrationWithQueryAsync(
            new OrchestrationQuery { RuntimeStatus = [OrchestrationStatus.Failed], PageSize = 10 }, Token);
        Assert.Equal(["run-2"], failed.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId));
    }

    [Fact]
    public async Task A_running_instance_or_a_known_id_fails_the_whole_import_and_writes_nothing()
    {
        var store = await NewStoreAsync();
        await store.ImportFinishedAsync([Finished("run-1")], Token);

        var running = Finished("run-2") with { Status = OrchestrationStatus.Running };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.ImportFinishedAsync([Finished("run-3"), running], Token));
        Assert.Contains("run-2", error.Message, StringComparison.Ordinal);
        Assert.Contains("Running", error.Message, StringComparison.Ordinal);

        await Assert.ThrowsAnyAsync<Exception>(() => store.ImportFinishedAsync([Finished("run-4"), Finished("run-1")], Token));

        var all = await store.GetOrchestrationWithQueryAsync(new OrchestrationQuery { PageSize = 10 }, Token);
        Assert.Equal(["run-1"], all.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId));
    }

    public void Dispose() => directory.Dispose();

    static FinishedInstance Finished(string id) =>
        new(id, "e", "Run", OrchestrationStatus.Completed, Created, Created.AddMinutes(1), null, null, null);

    async Task<SqliteOrchestrationService> NewStoreAsync()
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        await store.CreateAsync(recreateInstanceStore: false);
        return store;
    }
}
