namespace Orchestrator.Activities.Runs;

/// <summary>
/// The states and error classes the orchestrator records for an attempt where Glue has no word of its own. They sit
/// beside Glue's own states (<c>SUCCEEDED</c>, <c>FAILED</c>, <c>STOPPED</c>…) in <see cref="AttemptRecord.State"/>.
/// </summary>
public static class AttemptStates
{
    /// <summary>A crawl that was already running when the step started: waited for, then crawled again.</summary>
    public const string Attached = "ATTACHED";

    /// <summary>Glue refused to start the job or crawler; the attempt has no Glue run.</summary>
    public const string StartFailed = "START_FAILED";

    /// <summary>The orchestrator's own host went away and the attempt's run could not be resumed.</summary>
    public const string Interrupted = "INTERRUPTED";

    /// <summary>The error class of an <see cref="Interrupted"/> attempt.</summary>
    public const string InterruptedClass = "Interrupted";

    /// <summary>
    /// The error class of a job step skipped by SkipWhenNoNewData, and of a clean crawl skipped because every entity
    /// was: nothing failed, so they count as succeeded.
    /// </summary>
    public const string NoNewDataClass = "NoNewData";

    /// <summary>The reason such a step gives.</summary>
    public const string NoNewDataReason = "no new data";

    /// <summary>The error class of a step whose sub-orchestration crashed (not one whose Glue run failed).</summary>
    public const string StepCrashedClass = "StepCrashed";
}
