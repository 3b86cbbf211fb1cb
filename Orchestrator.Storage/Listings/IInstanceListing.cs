namespace Orchestrator.Storage.Listings;

/// <summary>
/// Newest-first listings of one orchestration's instances, keyset-paged, with the filters a dashboard needs pushed
/// into the store where it can serve them. DurableTask.Core's <c>OrchestrationQuery</c> cannot say "this instance
/// group" or "this reported outcome", so its callers had to read and drop rows; this contract can.
/// </summary>
public interface IInstanceListing
{
    /// <summary>At most <see cref="InstanceFilter.Limit"/> instances, newest first, and whether more follow.</summary>
    Task<InstancePage> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken);
}
