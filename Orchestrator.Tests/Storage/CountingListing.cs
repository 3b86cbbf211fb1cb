using Orchestrator.Storage.Listings;

namespace Orchestrator.Tests.Storage;

/// <summary>The store's instance listing, counting the queries that reach it and the rows they return.</summary>
sealed class CountingListing(IInstanceListing inner) : IInstanceListing
{
    int count;
    int rows;

    public int Count
    {
        get => Volatile.Read(ref count);
        set => Volatile.Write(ref count, value);
    }

    public int Rows
    {
        get => Volatile.Read(ref rows);
        set => Volatile.Write(ref rows, value);
    }

    public async Task<InstancePage> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref count);
        var page = await inner.ListInstancesAsync(filter, cancellationToken);
        Interlocked.Add(ref rows, page.Instances.Count);
        return page;
    }
}
