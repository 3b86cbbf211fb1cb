namespace Orchestrator.Glue;

/// <summary>
/// The part of AWS Glue the orchestrations drive, in Glue's own vocabulary. Implemented over the wire
/// (<c>Glue/Aws</c>) and by the embedded engine (<c>Glue/Local</c>); the orchestrations cannot tell them apart.
/// Every method throws <see cref="GlueException"/> for an error Glue reports (its <c>__type</c> is kept).
/// </summary>
public interface IGlueBackend
{
    /// <summary>Which backend this is ("Aws" or "Local"), for run records and console links.</summary>
    string Kind { get; }

    /// <summary>Starts a crawl. A crawl already in progress is not an error: the result says so (attach).</summary>
    Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken);

    Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken);

    /// <summary>Stops a crawl. A crawler that is not running or already stopping counts as stopped.</summary>
    Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken);

    Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a job run whose arguments carry <paramref name="marker"/> as <see cref="GlueArguments.RunMarker"/>.
    /// After an ambiguous outcome (timeout, 5xx, connection reset, ConcurrentRunsExceeded) the backend looks for a
    /// run with that marker and returns it (<see cref="JobRunStart.Adopted"/>) instead of starting a second one.
    /// </summary>
    Task<JobRunStart> StartJobRunAsync(
        string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken);

    Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken);

    /// <summary>
    /// The newest run of <paramref name="jobName"/> whose marker argument equals <paramref name="marker"/>, or null.
    /// Scans a bounded number of runs, stopping at runs started before <paramref name="notBefore"/>.
    /// </summary>
    Task<GlueJobRun?> FindJobRunByMarkerAsync(
        string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken);

    /// <summary>
    /// The partitions a succeeded run wrote. Never throws for a missing or malformed record of them: that is a
    /// <see cref="JobRunOutput.Warning"/>, because the data is written and the run must not fail over its receipt.
    /// </summary>
    Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the raw table the job reads (its <c>--raw_db_name</c> and <c>--source_entity_name</c> arguments, run
    /// arguments over the job's defaults) holds data the job has not processed. <paramref name="processedBefore"/> is
    /// when the run of the entity's last succeeded attempt started (null: none known, so all raw data counts as new);
    /// a backend that keeps its own bookmarks (the local engine) answers from them instead.
    /// </summary>
    Task<RawDataCheck> CheckRawDataAsync(
        string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore,
        CancellationToken cancellationToken);

    /// <summary>Asks Glue to stop runs; returns the per-run errors Glue reported (empty when all were accepted).</summary>
    Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(
        string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken);
}
