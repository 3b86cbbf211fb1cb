using Orchestrator.Storage.Listings;

namespace Orchestrator.Tests.Storage;

/// <summary>The store's instance listing, counting the queries that reach it.</summary>
sealed class CountingListing(IInstanceListing inner) : IInstanceListing
{
    int count;

    public int Count
    {
        get => Volatile.Read(ref count);
        set => Volatile.Write(ref count, value);
    }

    public Task<InstancePage> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref count);
        return inner.ListInstancesAsync(filter, cancellationToken);
    }
}
