using DurableTask.Core;

namespace Orchestrator.Storage.Listings;

/// <summary>
/// Which instances of the orchestration <paramref name="Name"/> a listing returns, newest first (creation time, then
/// instance id, both descending), at most <paramref name="Limit"/> of them.
/// </summary>
public sealed record InstanceFilter(string Name, int Limit)
{
    /// <summary>Only instances of this group: the part of the instance id before its first '@' (<see cref="InstanceGroups"/>).</summary>
    public string? Group { get; init; }

    /// <summary>Only instances whose outcome is one of these (<see cref="InstanceOutcomes"/>); null for any.</summary>
    public IReadOnlyList<string>? Outcomes { get; init; }

    /// <summary>Only instances created at or after this time (UTC).</summary>
    public DateTime? CreatedFrom { get; init; }

    /// <summary>Only instances created at or before this time (UTC).</summary>
    public DateTime? CreatedTo { get; init; }

    /// <summary>Only instances after this one in newest-first order: the last one of the previous page.</summary>
    public ListingPosition? After { get; init; }

    /// <summary>Whether <paramref name="state"/> passes every filter (for stores that filter after their query).</summary>
    public bool Matches(OrchestrationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var id = state.OrchestrationInstance.InstanceId;
        return state.Name == Name
            && (Group is null || InstanceGroups.Of(id) == Group)
            && (Outcomes is null || Outcomes.Contains(InstanceOutcomes.Of(state.OrchestrationStatus, state.Status)))
            && (CreatedFrom is not { } from || state.CreatedTime >= from)
            && (CreatedTo is not { } to || state.CreatedTime <= to)
            && (After is not { } after || after.Precedes(state.CreatedTime, id));
    }
}

/// <summary>One page of a listing; <paramref name="HasMore"/> when instances follow the last one.</summary>
public sealed record InstancePage(IReadOnlyList<OrchestrationState> Instances, bool HasMore);
