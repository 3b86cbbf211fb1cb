using Orchestrator.Glue;

namespace Orchestrator.Tests.Glue.Faults;

/// <summary>
/// Glue at the outer edge, as the fault decorator sees it: every job start creates a run (no marker de-duplication,
/// as in AWS), runs are found by their marker, and every call is counted.
/// </summary>
sealed class RecordingGlue : IGlueBackend
{
    readonly List<GlueJobRun> runs = [];

    public int Calls { get; private set; }

    public IReadOnlyList<GlueJobRun> Runs => runs;

    public string Kind => "Recording";

    public Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken) => Counted(CrawlerStartResult.Started);

    public Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        Counted(new GlueCrawler(crawlerName, CrawlerState.Ready, null));

    public Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken) => Counted(true);

    public Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken) =>
        Counted(new GlueJob(jobName, 10, 60, new Dictionary<string, string>()));

    public Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
    {
        var run = new GlueJobRun($"jr_{runs.Count + 1}", jobName, JobRunState.Succeeded, null, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 1, null,
            new Dictionary<string, string>(arguments) { [GlueArguments.RunMarker] = marker });
        runs.Add(run);
        return Counted(new JobRunStart(run.Id, Adopted: false));
    }

    public Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken) => Counted(runs.Single(r => r.Id == runId));

    public Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken) =>
        Counted(runs.LastOrDefault(r => r.Marker == marker));

    public Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken) => Task.FromResult(new JobRunOutput([]));

    public Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore, CancellationToken cancellationToken) =>
        Counted(new RawDataCheck(HasNewData: true, NewestPartition: null, NewFiles: null, NewBytes: null, Basis: Kind));

    public Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken) =>
        Counted<IReadOnlyList<JobRunStopError>>([]);

    Task<T> Counted<T>(T result)
    {
        Calls++;
        return Task.FromResult(result);
    }
}
