namespace Orchestrator.Host.Hosting;

/// <summary>The host's own settings under <c>Orchestrator</c>.</summary>
public sealed class OrchestratorOptions
{
    public const string Section = "Orchestrator";

    /// <summary>Where every default path lives: the store, the local catalog and the local lake.</summary>
    public string DataDirectory { get; set; } = "data";

    public WorkerOptions Worker { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();

    public ChangesOptions Changes { get; set; } = new();

    public LoggingOptions Logging { get; set; } = new();
}

public sealed class WorkerOptions
{
    /// <summary>On shutdown, in-flight work gets this long to finish before it is abandoned to the next start.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class RetentionOptions
{
    /// <summary>Finished runs older than this many days are purged automatically.</summary>
    public int Days { get; set; } = 30;

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary><c>Orchestrator:Changes</c>: the partition change feed.</summary>
public sealed class ChangesOptions
{
    /// <summary>Changes recorded longer ago than this are purged, whatever run retention is (checked every Retention:Interval).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);
}

public sealed class LoggingOptions
{
    /// <summary>Compact JSON log lines (for containers) instead of human-readable ones.</summary>
    public bool Json { get; set; }
}
