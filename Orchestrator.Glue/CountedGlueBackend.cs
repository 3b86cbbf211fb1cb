namespace Orchestrator.Glue;

/// <summary>
/// Counts every call to a backend on <see cref="GlueApiMetrics"/> with its outcome (success or the Glue error code).
/// The AWS backend counts its own calls on the wire; this serves the local engine, so both report the same metric.
/// </summary>
public sealed class CountedGlueBackend(IGlueBackend inner, GlueApiMetrics metrics) : IGlueBackend
{
    public string Kind => inner.Kind;

    public Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        Count("StartCrawler", () => inner.StartCrawlerAsync(crawlerName, cancellationToken));

    public Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        Count("GetCrawler", () => inner.GetCrawlerAsync(crawlerName, cancellationToken));

    public Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        Count("StopCrawler", async () =>
        {
            await inner.StopCrawlerAsync(crawlerName, cancellationToken);
            return true;
        });

    public Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken) =>
        Count("GetJob", () => inner.GetJobAsync(jobName, cancellationToken));

    public Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken) =>
        Count("StartJobRun", () => inner.StartJobRunAsync(jobName, arguments, marker, cancellationToken));

    public Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken) =>
        Count("GetJobRun", () => inner.GetJobRunAsync(jobName, runId, cancellationToken));

    public Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken) =>
        Count("GetJobRuns", () => inner.FindJobRunByMarkerAsync(jobName, marker, notBefore, cancellationToken));

    // Not a Glue API call (the local engine answers from its own records; AWS reads an S3 object), so not counted.
    public Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken) =>
        inner.GetJobRunOutputAsync(jobName, run, cancellationToken);

    // Several Glue (or S3) calls on AWS, each counted there; the local engine answers from its bookmarks.
    public Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore, CancellationToken cancellationToken) =>
        inner.CheckRawDataAsync(jobName, arguments, processedBefore, cancellationToken);

    public Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken) =>
        Count("BatchStopJobRun", () => inner.StopJobRunsAsync(jobName, runIds, cancellationToken));

    async Task<T> Count<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            var result = await call();
            metrics.RecordCall(operation, GlueApiMetrics.SuccessOutcome);
            return result;
        }
        catch (GlueException ex)
        {
            metrics.RecordCall(operation, ex.ErrorCode);
            throw;
        }
    }
}
