using DurableTask.Core;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// How a run's status maps onto the durable store's: a run ends Completed in the store whatever its outcome (the
/// outcome is in its custom status), and a terminated run may also be Terminated or Canceled there.
/// </summary>
public static class RunStatuses
{
    /// <summary>Store statuses of an instance that can still change.</summary>
    public static readonly IReadOnlyList<OrchestrationStatus> Live =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew];

    /// <summary>Store statuses of an instance that has ended for good (the ones retention may purge).</summary>
    public static readonly IReadOnlyList<OrchestrationStatus> Finished =
        [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled];

    /// <summary>Whether a run in this status has ended: Succeeded, Failed or Terminated.</summary>
    public static bool IsFinished(this RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Terminated;

    /// <summary>Whether a store status (by name, as the store's tables hold it) is one of <see cref="Finished"/>.</summary>
    public static bool IsFinished(string storeStatus) =>
        Enum.TryParse<OrchestrationStatus>(storeStatus, out var status) && Finished.Contains(status);

    /// <summary>The run's status from its store status and the outcome its custom status reports.</summary>
    public static RunStatus Of(OrchestrationStatus stored, RunProgress? progress) => stored switch
    {
        OrchestrationStatus.Pending => RunStatus.Pending,
        OrchestrationStatus.Completed => progress?.Status ?? RunStatus.Succeeded,
        OrchestrationStatus.Failed => RunStatus.Failed,
        OrchestrationStatus.Terminated or OrchestrationStatus.Canceled => RunStatus.Terminated,
        _ => RunStatus.Running,
    };

    /// <summary>
    /// The store statuses a run in <paramref name="status"/> can have. Finished statuses all include Completed, so a
    /// listing filtered by one must check each run's own status after the query.
    /// </summary>
    public static OrchestrationStatus[] InStore(RunStatus status) => status switch
    {
        RunStatus.Pending => [OrchestrationStatus.Pending],
        RunStatus.Running => [OrchestrationStatus.Running, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew],
        RunStatus.Succeeded => [OrchestrationStatus.Completed],
        RunStatus.Failed => [OrchestrationStatus.Completed, OrchestrationStatus.Failed],
        _ => [OrchestrationStatus.Completed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled],
    };
}
