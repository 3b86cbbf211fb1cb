using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Engine;

public sealed class SqliteConformanceTests : StoreConformanceTests, IDisposable
{
    readonly TempDirectory directory = new();

    protected override Task<DurableStore> CreateStoreAsync()
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db"))
        {
            MaxPollingInterval = TimeSpan.FromMilliseconds(200),
        });
        return Task.FromResult(DurableStore.From(store));
    }

    public void Dispose() => directory.Dispose();
}
