using System.Text.Json.Serialization;

namespace Orchestrator.Glue;

/// <summary>Argument names shared by the Glue script and the local engine.</summary>
public static class GlueArguments
{
    /// <summary>Carries <c>{runId}/{entity}/{attempt}</c> so a start can be found again after a crash.</summary>
    public const string RunMarker = "--orchestrator_run_marker";

    /// <summary>The data-preparation script's clean database and table (its target entity), named in the change feed.</summary>
    public const string CleanDatabase = "--clean_db_name";

    public const string TargetEntity = "--target_entity_name";

    /// <summary>The data-preparation script's raw table (its source entity).</summary>
    public const string SourceEntity = "--source_entity_name";
}

/// <summary>Crawler state READY | RUNNING | STOPPING; values Glue adds later are kept as text.</summary>
[JsonConverter(typeof(GlueEnumJsonConverter<CrawlerState>))]
public readonly record struct CrawlerState(string Value) : IGlueEnum<CrawlerState>
{
    public static readonly CrawlerState Ready = new("READY");
    public static readonly CrawlerState Running = new("RUNNING");
    public static readonly CrawlerState Stopping = new("STOPPING");

    public static CrawlerState Create(string value) => new(value);

    public override string ToString() => Value;
}

/// <summary>Status of a finished crawl: SUCCEEDED | CANCELLED | FAILED (unknown values kept as text).</summary>
[JsonConverter(typeof(GlueEnumJsonConverter<CrawlStatus>))]
public readonly record struct CrawlStatus(string Value) : IGlueEnum<CrawlStatus>
{
    public static readonly CrawlStatus Succeeded = new("SUCCEEDED");
    public static readonly CrawlStatus Cancelled = new("CANCELLED");
    public static readonly CrawlStatus Failed = new("FAILED");

    public static CrawlStatus Create(string value) => new(value);

    public override string ToString() => Value;
}

/// <summary>Glue's JobRunState; unknown values are kept and treated as not terminal.</summary>
[JsonConverter(typeof(GlueEnumJsonConverter<JobRunState>))]
public readonly record struct JobRunState(string Value) : IGlueEnum<JobRunState>
{
    public static readonly JobRunState Starting = new("STARTING");
    public static readonly JobRunState Running = new("RUNNING");
    public static readonly JobRunState Stopping = new("STOPPING");
    public static readonly JobRunState Stopped = new("STOPPED");
    public static readonly JobRunState Succeeded = new("SUCCEEDED");
    public static readonly JobRunState Failed = new("FAILED");
    public static readonly JobRunState Timeout = new("TIMEOUT");
    public static readonly JobRunState Error = new("ERROR");
    public static readonly JobRunState Waiting = new("WAITING");
    public static readonly JobRunState Expired = new("EXPIRED");

    public static JobRunState Create(string value) => new(value);

    public bool IsTerminal =>
        this == Succeeded || this == Failed || this == Stopped || this == Timeout || this == Error || this == Expired;

    public override string ToString() => Value;
}

/// <summary>What a crawler reports (GetCrawler).</summary>
public sealed record GlueCrawler(string Name, CrawlerState State, LastCrawl? LastCrawl);

/// <summary>
/// The most recent crawl, finished or not. <see cref="Interrupted"/>: the local engine's host went away while it ran
/// and it could not be resumed (not the crawl's fault); AWS Glue never sets it.
/// </summary>
public sealed record LastCrawl(
    CrawlStatus Status,
    DateTimeOffset? StartTime,
    string? ErrorMessage,
    int? TablesCreated = null,
    int? TablesUpdated = null,
    int? PartitionsAdded = null,
    bool Interrupted = false);

public enum CrawlerStartResult
{
    Started,

    /// <summary>A crawl was already in progress (CrawlerRunningException): wait for it.</summary>
    AlreadyRunning,
}

/// <summary>A job definition (GetJob).</summary>
public sealed record GlueJob(
    string Name,
    int? MaxConcurrentRuns,
    int? TimeoutMinutes,
    IReadOnlyDictionary<string, string> DefaultArguments);

/// <summary>The run a start produced; <see cref="Adopted"/> when an earlier start with the same marker was found.</summary>
public sealed record JobRunStart(string RunId, bool Adopted);

/// <summary>
/// A job run as GetJobRun reports it, plus what only the local engine knows: its result details, and whether it
/// failed because its host went away and it could not be resumed (<see cref="Interrupted"/>: not the job's fault).
/// <see cref="Capacity"/> is what the run was billed by (Glue's MaxCapacity, WorkerType, NumberOfWorkers,
/// ExecutionClass, GlueVersion), or the local engine's configured stand-in for it.
/// </summary>
public sealed record GlueJobRun(
    string Id,
    string JobName,
    JobRunState State,
    string? ErrorMessage,
    int Attempt,
    DateTimeOffset? StartedOn,
    DateTimeOffset? CompletedOn,
    int ExecutionTimeSeconds,
    double? DpuSeconds,
    IReadOnlyDictionary<string, string> Arguments,
    JobRunDetails? Details = null,
    bool Interrupted = false,
    JobRunCapacity? Capacity = null)
{
    public string? Marker => Arguments.TryGetValue(GlueArguments.RunMarker, out var marker) ? marker : null;
}

/// <summary>What a data-preparation run did; known to the local engine, not reported by AWS Glue.</summary>
public sealed record JobRunDetails(
    long RowsRead,
    long RowsWritten,
    IReadOnlyList<string> PartitionsAdded,
    IReadOnlyList<string> PartitionsUpdated,
    IReadOnlyDictionary<string, long> NullsFromFailedCasts,
    long RowsInDefaultPartition,
    int FilesProcessed,
    IReadOnlyList<PartitionWrite>? Writes = null)
{
    /// <summary>
    /// <see cref="Writes"/>; for a record written before they were kept, the partitions added and updated, with no row
    /// or file counts. A method, not a property, so serialized runs do not carry it twice.
    /// </summary>
    public IReadOnlyList<PartitionWrite> PartitionWrites() =>
        Writes ??
        [
            .. PartitionsAdded.Select(p => new PartitionWrite(p, Added: true, Rows: 0, Files: 0)),
            .. PartitionsUpdated.Select(p => new PartitionWrite(p, Added: false, Rows: 0, Files: 0)),
        ];
}

/// <summary>
/// One clean partition (<c>key=value</c>) a job run committed: whether the partition is new to the clean zone
/// (<see cref="Added"/>) or an older one that late events updated, and the rows and files the run added to it.
/// </summary>
public sealed record PartitionWrite(string Partition, bool Added, long Rows, int Files);

/// <summary>
/// What a succeeded job run wrote, read after it ended: the partitions (from the local engine's commit, or from the
/// manifest the AWS script writes), and a warning when that could not be told (manifest missing or unreadable).
/// </summary>
public sealed record JobRunOutput(IReadOnlyList<PartitionWrite> Partitions, string? Warning = null);

/// <summary>A per-run error from BatchStopJobRun (reported with HTTP 200).</summary>
public sealed record JobRunStopError(string JobRunId, string ErrorCode, string? ErrorMessage);
