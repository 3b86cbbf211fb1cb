namespace Orchestrator.Glue.Local;

/// <summary>
/// The embedded Glue engine (<c>Orchestrator:Glue:Local</c>): where the lake and the catalog live, and the crawlers
/// and jobs it offers, declared like Glue resources.
/// </summary>
public sealed class LocalGlueOptions
{
    public const string SectionPath = "Orchestrator:Glue:Local";

    /// <summary>Root of the raw and clean zones; default <c>&lt;DataDirectory&gt;/lake</c>.</summary>
    public string LakeRoot { get; set; } = string.Empty;

    /// <summary>The catalog and run records (SQLite); default <c>&lt;DataDirectory&gt;/catalog.db</c>.</summary>
    public string CatalogPath { get; set; } = string.Empty;

    public Dictionary<string, LocalCrawlerOptions> Crawlers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, LocalJobOptions> Jobs { get; } = new(StringComparer.Ordinal);

    /// <summary>strptime formats tried after ISO 8601 for <c>*_datetime</c> and <c>*_date</c> strings.</summary>
    public List<string> DatetimeFormats { get; } = [];

    /// <summary>Whether the host writes sample data into an empty raw zone at start-up.</summary>
    public bool SeedSampleData { get; set; }

    /// <summary>DuckDB threads per job run or crawl; 0 uses every core.</summary>
    public int Threads { get; set; }

    /// <summary>DuckDB memory limit per job run or crawl, in DuckDB syntax (e.g. <c>512MB</c>, <c>2GB</c>).</summary>
    public string MemoryLimit { get; set; } = "512MB";

    /// <summary>Raw input bytes a job converts in one step; larger backlogs are split so memory stays bounded.</summary>
    public long MaxBatchBytes { get; set; } = 512L * 1024 * 1024;
}

/// <summary>A crawler: which zone of the lake it reads and the catalog database it writes.</summary>
public sealed class LocalCrawlerOptions
{
    /// <summary><c>raw</c> or <c>clean</c>.</summary>
    public string Zone { get; set; } = string.Empty;

    public string Database { get; set; } = string.Empty;

    /// <summary>
    /// The entity folders (= table names) this crawler catalogs; empty: every folder of the zone. A crawler limited
    /// to one entity's clean folder is that entity's visibility lane: it catalogs its partitions without waiting for,
    /// or touching, the other entities' tables.
    /// </summary>
    public List<string> Tables { get; } = [];

    /// <summary>
    /// Fault injection for rehearsals: each crawl stays RUNNING this long before it works, so stops, timeouts and
    /// host restarts can be rehearsed against a crawl in progress (as <c>--rehearse_delay_seconds</c> does for jobs).
    /// </summary>
    public TimeSpan RehearseDelay { get; set; }
}

/// <summary>A job: the transform it runs, its limits and its default arguments.</summary>
public sealed class LocalJobOptions
{
    public const string DataPreparation = "DataPreparation";

    /// <summary>The transform; only <c>DataPreparation</c> exists.</summary>
    public string Transform { get; set; } = DataPreparation;

    /// <summary>Runs of this job allowed at once, as Glue's ExecutionProperty.MaxConcurrentRuns.</summary>
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>Minutes before a run is stopped with TIMEOUT; Glue's default is 2880 (48 hours).</summary>
    public int Timeout { get; set; } = 2880;

    public Dictionary<string, string> DefaultArguments { get; } = new(StringComparer.Ordinal);

    // The size of the AWS Glue job this local job stands in for: its runs report the capacity and DPU-seconds such a
    // job would be billed, flagged as an estimate.

    /// <summary>A Glue worker type (G.1X, G.2X, G.025X, ...); default G.1X.</summary>
    public string WorkerType { get; set; } = "G.1X";

    /// <summary>Workers of <see cref="WorkerType"/>; default 2, Glue's smallest Spark job.</summary>
    public int NumberOfWorkers { get; set; } = 2;

    /// <summary>STANDARD or FLEX.</summary>
    public string ExecutionClass { get; set; } = "STANDARD";

    /// <summary>The Glue version, which sets the billed minimum (one minute from 2.0 on); default 4.0.</summary>
    public string GlueVersion { get; set; } = "4.0";

    /// <summary>The configured size as GetJobRun would report it, flagged as an estimate.</summary>
    public JobRunCapacity Capacity() => new(null, WorkerType, NumberOfWorkers, ExecutionClass.ToUpperInvariant(), GlueVersion, Estimated: true);
}
