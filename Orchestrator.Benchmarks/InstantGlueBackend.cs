using System.Collections.Concurrent;
using Orchestrator.Glue;

namespace Orchestrator.Benchmarks;

/// <summary>
/// A Glue whose crawls and job runs finish the moment they start, so a pipeline run's duration is the
/// orchestrator's own overhead. Counts the calls it receives.
/// </summary>
sealed class InstantGlueBackend(TimeProvider time) : IGlueBackend
{
    readonly ConcurrentDictionary<string, DateTimeOffset> lastCrawl = new();
    readonly ConcurrentDictionary<string, GlueJobRun> runs = new();
    long calls;

    public string Kind => "Instant";

    public long Calls => Interlocked.Read(ref calls);

    public Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        Count();
        // Each crawl starts strictly later than the one before, as a real crawler's do.
        lastCrawl.AddOrUpdate(crawlerName, _ => time.GetUtcNow(), (_, previous) => Later(previous));
        return Task.FromResult(CrawlerStartResult.Started);
    }

    public Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        Count();
        var last = lastCrawl.TryGetValue(crawlerName, out var started) ? new LastCrawl(CrawlStatus.Succeeded, started, null) : null;
        return Task.FromResult(new GlueCrawler(crawlerName, CrawlerState.Ready, last));
    }

    public Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        Count();
        return Task.CompletedTask;
    }

    public Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken)
    {
        Count();
        return Task.FromResult(new GlueJob(jobName, 1000, 2880, new Dictionary<string, string>()));
    }

    public Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
    {
        Count();
        var id = $"jr_{Guid.NewGuid():N}";
        var now = time.GetUtcNow();
        runs[id] = new GlueJobRun(id, jobName, JobRunState.Succeeded, null, 0, now, now, 0, null,
            new Dictionary<string, string>(arguments) { [GlueArguments.RunMarker] = marker });
        return Task.FromResult(new JobRunStart(id, false));
    }

    public Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken)
    {
        Count();
        return Task.FromResult(runs[runId]);
    }

    public Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        Count();
        return Task.FromResult(runs.Values.FirstOrDefault(r => r.Marker == marker));
    }

    public Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken) =>
        Task.FromResult(new JobRunOutput([]));

    /// <summary>Always new data: a benchmark measures runs, not skips.</summary>
    public Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore, CancellationToken cancellationToken)
    {
        Count();
        return Task.FromResult(new RawDataCheck(true, null, null, null, "the instant backend always has new data"));
    }

    public Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken)
    {
        Count();
        return Task.FromResult<IReadOnlyList<JobRunStopError>>([]);
    }

    void Count() => Interlocked.Increment(ref calls);

    DateTimeOffset Later(DateTimeOffset previous)
    {
        var now = time.GetUtcNow();
        return now > previous ? now : previous.AddTicks(1);
    }
}
