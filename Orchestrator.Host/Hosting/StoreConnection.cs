using Microsoft.Extensions.Options;
using Orchestrator.Storage;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// The durable store, opened once before the host starts serving so that a store that cannot be used stops
/// start-up with a clear error instead of failing the first request.
/// </summary>
public sealed class StoreConnection(IOptions<StoreOptions> options, IOptions<OrchestratorOptions> orchestrator, ILoggerFactory loggerFactory, TimeProvider time)
{
    DurableStore? store;

    public DurableStore Store => store ?? throw new InvalidOperationException("The durable store has not been opened yet.");

    public string Description => string.Equals(options.Value.Provider, StoreProviders.SqlServer, StringComparison.OrdinalIgnoreCase)
        ? $"SQL Server task hub '{options.Value.SqlServer.TaskHub}'"
        : $"SQLite file {DurableStoreFactory.SqlitePath(options.Value, orchestrator.Value.DataDirectory)}";

    public async Task OpenAsync(CancellationToken cancellationToken) =>
        store ??= await DurableStoreFactory.OpenAsync(options.Value, orchestrator.Value.DataDirectory, loggerFactory, time, cancellationToken);
}
