namespace Orchestrator.Activities.Changes;

/// <summary>Whether a job run created the clean partition or added to one that existed (late events, usually).</summary>
public enum PartitionChangeKind
{
    Added,
    Updated,
}

/// <summary>
/// One committed change to a clean partition, as the change feed lists it. <see cref="Sequence"/> orders the feed
/// (commit order of the record, stable once given); <see cref="CommittedAt"/> is when the Glue job run ended with its
/// write committed, <see cref="RecordedAt"/> when the orchestrator recorded it. <see cref="Slot"/> is the run's slot
/// (its scheduled slot, else when it was requested) and <see cref="LateDays"/> how late the partition is against it
/// (see <see cref="PartitionLateness"/>); <see cref="Late"/> marks a change to a partition of an earlier day.
/// </summary>
public sealed record PartitionChange(
    long Sequence,
    string Pipeline,
    string Entity,
    string? CleanDatabase,
    string CleanTable,
    string Partition,
    PartitionChangeKind Change,
    long RowsAdded,
    int FilesAdded,
    string RunId,
    int StepAttempt,
    string GlueRunId,
    DateTime CommittedAt,
    DateTime RecordedAt,
    DateTime Slot,
    int? LateDays)
{
    public bool Late => LateDays > 0;
}
