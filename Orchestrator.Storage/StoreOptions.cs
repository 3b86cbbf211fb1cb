namespace Orchestrator.Storage;

/// <summary><c>Orchestrator:Store</c>: where runs are kept.</summary>
public sealed class StoreOptions
{
    public const string Section = "Orchestrator:Store";

    /// <summary>Sqlite (default, one file) or SqlServer (several replicas share one task hub).</summary>
    public string Provider { get; set; } = StoreProviders.Sqlite;

    public SqliteStoreOptions Sqlite { get; set; } = new();

    public SqlServerStoreOptions SqlServer { get; set; } = new();
}

public sealed class SqliteStoreOptions
{
    /// <summary>The store file; default <c>&lt;DataDirectory&gt;/orchestrator.db</c>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// How long a lock outlives its process on another machine before another process may take the work over; live
    /// processes renew their locks every quarter of it, and a process on the same machine frees a dead one's at once.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a write waits for another process holding the file.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an orchestration stays locked in memory after a turn, waiting for its next messages (extended
    /// sessions: no replay of its history per turn); zero turns sessions off.
    /// </summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most orchestrations kept in memory by extended sessions; the least recently used idle one goes first.</summary>
    public int MaxExtendedSessions { get; set; } = 64;

    /// <summary>Activity work items locked per store transaction.</summary>
    public int ActivityBatchSize { get; set; } = 16;

    /// <summary>
    /// Orchestration work items this process runs at once (sessions waiting for messages hold one each; DurableTask.Core
    /// keeps sessions for at most half). 32, not a multiple of the cores: turns are short and mostly wait on the store,
    /// and with fewer slots a run's sessions give way to its steps' and replay its whole history
    /// (docs/benchmarks.md, "Where an entity's time goes").
    /// </summary>
    public int MaxConcurrentOrchestrations { get; set; } = 32;
}

public sealed class SqlServerStoreOptions
{
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The task hub replicas share. DurableTask.SqlServer only uses this name when the database's TaskHubMode is 0;
    /// by default (mode 1) it names the task hub after the SQL login (see docs/operations.md).
    /// </summary>
    public string TaskHub { get; set; } = "orchestrator";

    /// <summary>
    /// The provider's WorkItemLockTimeout: how long the work of a replica that died waits before another replica takes
    /// it over. The provider cannot tell that a lock's owner is gone, so this is also a restarted replica's wait.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

public static class StoreProviders
{
    public const string Sqlite = "Sqlite";
    public const string SqlServer = "SqlServer";
}
