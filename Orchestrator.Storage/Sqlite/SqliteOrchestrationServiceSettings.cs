namespace Orchestrator.Storage.Sqlite;

/// <summary>How the SQLite store behaves. Defaults suit one host on one machine; tests shorten the timeouts.</summary>
public sealed record SqliteOrchestrationServiceSettings
{
    public SqliteOrchestrationServiceSettings(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = databasePath;
    }

    /// <summary>The store file. Several processes may share it; each gets its own <see cref="WorkerId"/>.</summary>
    public string DatabasePath { get; init; }

    /// <summary>Names this process in lock columns; unique per service instance by default.</summary>
    public string WorkerId { get; init; } =
        $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>How long a work item stays locked without renewal before another worker may take it.</summary>
    public TimeSpan WorkItemLockTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public int MaxConcurrentOrchestrations { get; init; } = Environment.ProcessorCount * 4;

    public int MaxConcurrentActivities { get; init; } = Environment.ProcessorCount * 8;

    /// <summary>Idle polling starts here and backs off towards <see cref="MaxPollingInterval"/>.</summary>
    public TimeSpan MinPollingInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest a worker sleeps when idle: the latency of work enqueued by another process.</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First delay after an abandoned work item; doubles per dequeue up to <see cref="MaxAbandonDelay"/>.</summary>
    public TimeSpan AbandonDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxAbandonDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a statement waits for another process's write lock before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows deleted per transaction when purging, so a large purge never holds the writer for long.</summary>
    public int PurgeBatchSize { get; init; } = 500;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
