namespace Orchestrator.Glue.Local;

/// <summary>Points in a job run where a fault can be injected (tests, rehearsals) to prove the run recovers.</summary>
enum JobStep
{
    /// <summary>All output is staged; nothing in the clean zone or the bookmarks has changed yet.</summary>
    Staged,

    /// <summary>The commit journal is written and one more partition has been moved into the clean zone.</summary>
    PartitionMoved,
}

/// <summary>Called at each <see cref="JobStep"/>; throwing or cancelling there simulates a crash at that point.</summary>
delegate ValueTask JobStepHook(string runId, JobStep step, CancellationToken cancellationToken);
