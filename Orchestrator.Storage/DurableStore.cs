using DurableTask.Core;
using DurableTask.Core.Query;
using Orchestrator.Storage.Journals;
using Orchestrator.Storage.Listings;

namespace Orchestrator.Storage;

/// <summary>
/// One durable store seen through the four DurableTask.Core interfaces the product uses (the worker side, the
/// client, dashboard queries and purge) and the keyed newest-first listing of <see cref="IInstanceListing"/>.
/// SQLite and SQL Server both provide all five, and the <see cref="Journal"/> (the change feed's journals) too.
/// <see cref="Workers"/> is set when the store knows which worker processes are attached (SQLite does, SQL Server does not).
/// </summary>
public sealed record DurableStore(
    IOrchestrationService Service,
    IOrchestrationServiceClient Client,
    IOrchestrationServiceQueryClient Query,
    IOrchestrationServicePurgeClient Purge,
    IInstanceListing Listing,
    IWorkerDirectory? Workers = null,
    IJournal? Journal = null)
{
    public static DurableStore From<T>(T store)
        where T : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient, IInstanceListing =>
        new(store, store, store, store, store, store as IWorkerDirectory, (store as Sqlite.SqliteOrchestrationService)?.Journal);
}
