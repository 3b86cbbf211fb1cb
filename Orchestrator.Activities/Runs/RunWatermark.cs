namespace Orchestrator.Activities.Runs;

/// <summary>
/// Where the next read of a pipeline's run listing must start to see every change since the last read, for totals kept
/// up to date from listings (a day's cost, the new-data cutoffs): a finished run never changes, so only runs created
/// since the newest one seen, and runs that were unfinished then, need reading again. Not thread-safe.
/// </summary>
public sealed class RunWatermark
{
    /// <summary>
    /// Runs created up to this long before the newest one seen are read again: a run is stamped when it is created, and
    /// another host sharing the store may make it visible a moment after a newer one.
    /// </summary>
    public static readonly TimeSpan LateCommits = TimeSpan.FromMinutes(1);

    readonly List<DateTime> unfinished = [];
    DateTime? newest;

    /// <summary>
    /// Starts a read: returns where it starts (null until a run was seen: then everything is read); what was unfinished
    /// is read again, and noted again if it still is.
    /// </summary>
    public DateTime? BeginRead()
    {
        var since = newest - LateCommits;
        if (unfinished.Count > 0 && (since is null || unfinished.Min() < since))
        {
            since = unfinished.Min();
        }

        unfinished.Clear();
        return since;
    }

    /// <summary>Notes a listed run.</summary>
    public void Note(RunSummary run)
    {
        newest = newest is { } seen && seen >= run.CreatedAt ? seen : run.CreatedAt;
        if (!run.Status.IsFinished())
        {
            unfinished.Add(run.CreatedAt);
        }
    }
}
