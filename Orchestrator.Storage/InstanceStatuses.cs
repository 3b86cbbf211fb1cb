using DurableTask.Core;

namespace Orchestrator.Storage;

/// <summary>The runtime statuses of an instance that has ended for good: nothing changes it any more, and purge may delete it.</summary>
public static class InstanceStatuses
{
    public static readonly IReadOnlyList<OrchestrationStatus> Finished =
        [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled];

    public static bool IsFinished(OrchestrationStatus status) => Finished.Contains(status);
}
