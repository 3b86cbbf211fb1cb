using Microsoft.Extensions.Options;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Host.Storage;

/// <summary>
/// The durable store, opened once before the host starts serving so that a store that cannot be used stops
/// start-up with a clear error instead of failing the first request.
/// </summary>
public sealed class StoreConnection(IOptions<StoreOptions> options, IOptions<OrchestratorOptions> orchestrator, ILoggerFactory loggerFactory, TimeProvider time)
{
    DurableStore? store;

    public DurableStore Store => store ?? throw new InvalidOperationException("The durable store has not been opened yet.");

    public bool IsOpen => store is not null;

    public string Description => string.Equals(options.Value.Provider, StoreProviders.SqlServer, StringComparison.OrdinalIgnoreCase)
        ? $"SQL Server task hub '{options.Value.SqlServer.TaskHub}'"
        : $"SQLite file {DurableStoreFactory.SqlitePath(options.Value, orchestrator.Value)}";

    public async Task OpenAsync(CancellationToken cancellationToken) =>
        store ??= await DurableStoreFactory.OpenAsync(options.Value, orchestrator.Value, loggerFactory, time, cancellationToken);

    /// <summary>For tests and tools that already hold a store.</summary>
    public void Use(DurableStore opened) => store = opened;
}
