namespace Orchestrator.Storage;

/// <summary>The worker processes attached to a store: whether anything carries its active runs, and who.</summary>
public interface IWorkerDirectory
{
    /// <summary>Workers whose lease is current and that are not known to be dead; oldest first.</summary>
    Task<IReadOnlyList<StoreWorker>> GetLiveWorkersAsync(CancellationToken cancellationToken);
}

/// <summary>A worker process attached to a store.</summary>
public sealed record StoreWorker(
    string WorkerId, string MachineName, int ProcessId, DateTime ProcessStartTime, DateTime StartedTime, DateTime LeaseExpiration);
