using System.Globalization;
using DurableTask.Core;
using Orchestrator.Storage;

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
    public static IReadOnlyList<OrchestrationStatus> Finished => InstanceStatuses.Finished;

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
    /// The store outcomes (<see cref="Storage.Listings.InstanceOutcomes"/>) of a run in <paramref name="status"/>, so a
    /// listing filtered by status is a keyed query, exactly as <see cref="Of"/> reads runs: its runtime statuses other
    /// than Completed, and for a Completed run the status it reported in <see cref="RunProgress.Status"/>. That is
    /// written as a number (DurableTask's JsonDataConverter writes enums so); the name is taken too, should a converter
    /// ever write names. A Completed run that reported nothing succeeded.
    /// </summary>
    public static IReadOnlyList<string> Outcomes(RunStatus status)
    {
        var stored = InStore(status);
        var outcomes = stored.Where(s => s != OrchestrationStatus.Completed).Select(s => s.ToString()).ToList();
        if (stored.Contains(OrchestrationStatus.Completed))
        {
            outcomes.AddRange([((int)status).ToString(CultureInfo.InvariantCulture), status.ToString()]);
        }

        if (status == RunStatus.Succeeded)
        {
            outcomes.Add(nameof(OrchestrationStatus.Completed));
        }

        return outcomes.Distinct().ToList();
    }

    /// <summary>The store statuses a run in <paramref name="status"/> can have; finished ones all include Completed.</summary>
    static OrchestrationStatus[] InStore(RunStatus status) => status switch
    {
        RunStatus.Pending => [OrchestrationStatus.Pending],
        RunStatus.Running => [OrchestrationStatus.Running, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew],
        RunStatus.Succeeded => [OrchestrationStatus.Completed],
        RunStatus.Failed => [OrchestrationStatus.Completed, OrchestrationStatus.Failed],
        _ => [OrchestrationStatus.Completed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled],
    };
}
