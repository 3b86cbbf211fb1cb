using DurableTask.Core;
using DurableTask.Core.Query;

namespace Orchestrator.Storage;

/// <summary>
/// One durable store seen through the four DurableTask.Core interfaces the product uses: the worker side,
/// the client, dashboard queries and purge. SQLite and SQL Server both provide all four.
/// </summary>
public sealed record DurableStore(
    IOrchestrationService Service,
    IOrchestrationServiceClient Client,
    IOrchestrationServiceQueryClient Query,
    IOrchestrationServicePurgeClient Purge)
{
    public static DurableStore From<T>(T store)
        where T : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient =>
        new(store, store, store, store);
}
