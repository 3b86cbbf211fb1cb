using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Engine;

/// <summary>The conformance scenarios on the SQLite store with extended sessions on (the default).</summary>
public class SqliteConformanceTests : StoreConformanceTests, IDisposable
{
    readonly TempDirectory directory = new();

    /// <summary>Zero runs the scenarios without extended sessions.</summary>
    protected virtual TimeSpan ExtendedSessionIdleTimeout => TimeSpan.FromSeconds(5);

    protected override Task<DurableStore> CreateStoreAsync()
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db"))
        {
            MaxPollingInterval = TimeSpan.FromMilliseconds(200),
            ExtendedSessionIdleTimeout = ExtendedSessionIdleTimeout,
            // Every instance gets a session, however short its history: the scenarios are short.
            ExtendedSessionMinimumHistory = 0,
        });
        return Task.FromResult(DurableStore.From(store));
    }

    public void Dispose()
    {
        directory.Dispose();
        GC.SuppressFinalize(this);
    }
}
