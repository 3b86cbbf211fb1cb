using DurableTask.Core;

namespace Orchestrator.Storage.Sqlite;

/// <summary>An orchestration work item that remembers its lock and exactly which messages it delivered.</summary>
sealed class SqliteOrchestrationWorkItem : TaskOrchestrationWorkItem
{
    public required string LockToken { get; init; }

    public required IReadOnlyList<long> DeliveredSequenceNumbers { get; init; }

    public required int MaxDequeueCount { get; init; }

    /// <summary>Set once the checkpoint released the lock, so the dispatcher's release costs no write.</summary>
    public bool Released { get; set; }
}

/// <summary>An activity work item that remembers its lock; <see cref="TaskActivityWorkItem.Id"/> is the row's sequence number.</summary>
sealed class SqliteActivityWorkItem : TaskActivityWorkItem
{
    public required string LockToken { get; init; }

    public required long SequenceNumber { get; init; }

    public required int DequeueCount { get; init; }
}
