using DurableTask.Core;

namespace Orchestrator.Storage.Sqlite;

/// <summary>An orchestration work item that remembers its lock and exactly which messages it delivered.</summary>
sealed class SqliteOrchestrationWorkItem : TaskOrchestrationWorkItem
{
    public required string LockToken { get; init; }

    /// <summary>The messages of the current turn; an extended session's fetch replaces them.</summary>
    public required IReadOnlyList<long> DeliveredSequenceNumbers { get; set; }

    public required int MaxDequeueCount { get; set; }

    /// <summary>How many history events the last checkpoint that kept the lock left stored; -1 before any.</summary>
    public int CheckpointedEventCount { get; set; } = -1;

    /// <summary>Set once the checkpoint released the lock, so the dispatcher's release costs no write.</summary>
    public bool Released { get; set; }

    /// <summary>Set once the dispatcher gave the work item back, so its slot is counted free exactly once.</summary>
    public bool GivenBack { get; set; }
}

/// <summary>An activity work item that remembers its lock; <see cref="TaskActivityWorkItem.Id"/> is the row's sequence number.</summary>
sealed class SqliteActivityWorkItem : TaskActivityWorkItem
{
    public required string LockToken { get; init; }

    public required long SequenceNumber { get; init; }

    public required int DequeueCount { get; init; }
}
