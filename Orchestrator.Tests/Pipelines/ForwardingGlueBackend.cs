using Orchestrator.Glue;

namespace Orchestrator.Tests.Pipelines;

/// <summary>A backend that passes every call to <paramref name="inner"/>: tests override the calls they plant a fault in.</summary>
abstract class ForwardingGlueBackend(IGlueBackend inner) : IGlueBackend
{
    protected IGlueBackend Inner => inner;

    public string Kind => inner.Kind;

    public virtual Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken) => inner.StartCrawlerAsync(crawlerName, cancellationToken);

    public virtual Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken) => inner.GetCrawlerAsync(crawlerName, cancellationToken);

    public virtual Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken) => inner.StopCrawlerAsync(crawlerName, cancellationToken);

    public virtual Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken) => inner.GetJobAsync(jobName, cancellationToken);

    public virtual Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken) =>
        inner.StartJobRunAsync(jobName, arguments, marker, cancellationToken);

    public virtual Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken) => inner.GetJobRunAsync(jobName, runId, cancellationToken);

    public virtual Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken) =>
        inner.FindJobRunByMarkerAsync(jobName, marker, notBefore, cancellationToken);

    public virtual Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken) => inner.GetJobRunOutputAsync(jobName, run, cancellationToken);

    public virtual Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore, CancellationToken cancellationToken) =>
        inner.CheckRawDataAsync(jobName, arguments, processedBefore, cancellationToken);

    public virtual Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken) =>
        inner.StopJobRunsAsync(jobName, runIds, cancellationToken);
}
