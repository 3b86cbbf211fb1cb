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

    /// <summary>
    /// Names this worker in the Workers table and in every lock it takes: <c>machine/pid/process-start/instance</c>,
    /// unique per service instance, so a process starting on the same machine can tell that the owner is gone.
    /// </summary>
    public string WorkerId { get; init; } = ProcessOwner.NewInstance();

    /// <summary>
    /// How long a lock (and the worker's lease) lasts without renewal before another worker may take it: how long
    /// the work of a process that died on another machine waits. A live worker renews every quarter of it.
    /// </summary>
    public TimeSpan WorkItemLockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a worker renews its lease and its locks, and looks for dead owners on its machine.</summary>
    public TimeSpan LeaseRenewalInterval => WorkItemLockTimeout / 4;

    public int MaxConcurrentOrchestrations { get; init; } = Environment.ProcessorCount * 4;

    public int MaxConcurrentActivities { get; init; } = Environment.ProcessorCount * 8;

    /// <summary>How long a locked orchestration stays in memory waiting for new messages; zero turns extended sessions off.</summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most orchestrations extended sessions keep in memory at once; a new one evicts the least recently used
    /// idle session beyond it. DurableTask.Core also caps sessions at half of <see cref="MaxConcurrentOrchestrations"/>.
    /// </summary>
    public int MaxExtendedSessions { get; init; } = 64;

    /// <summary>
    /// An instance whose stored history is shorter than this runs its turn without a session. Replaying a short history
    /// costs less than the slot a waiting session keeps, and DurableTask.Core lets only half of the orchestration slots
    /// hold sessions: short-lived children (a run's 100 waiting steps) would take them from the long-running parent whose
    /// every lost session means replaying thousands of events (docs/benchmarks.md, session 9). Zero gives every instance a session.
    /// </summary>
    public int ExtendedSessionMinimumHistory { get; init; } = 50;

    /// <summary>
    /// Activity work items locked per store transaction; the ones not handed out yet wait in memory, their locks
    /// renewed with the others. One turns batching off.
    /// </summary>
    public int ActivityBatchSize { get; init; } = 16;

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
