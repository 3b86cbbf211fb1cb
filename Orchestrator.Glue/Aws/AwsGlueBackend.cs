using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orchestrator.Glue.Aws.Wire;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// <see cref="IGlueBackend"/> over the Glue JSON 1.1 API. Job starts are crash-safe: each carries a run marker, and
/// after an ambiguous outcome the run with that marker is adopted rather than started a second time.
/// </summary>
public sealed partial class AwsGlueBackend : IGlueBackend
{
    const int MaxRunIdsPerStopRequest = 25;

    readonly GlueApiClient client;
    readonly JobRunManifests manifests;
    readonly S3Connection s3;
    readonly AwsGlueOptions options;
    readonly TimeProvider timeProvider;
    readonly ILogger<AwsGlueBackend> logger;

    internal AwsGlueBackend(
        GlueApiClient client,
        JobRunManifests manifests,
        S3Connection s3,
        IOptions<AwsGlueOptions> options,
        TimeProvider timeProvider,
        ILogger<AwsGlueBackend> logger)
    {
        this.client = client;
        this.manifests = manifests;
        this.s3 = s3;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    public string Kind => "Aws";

    public async Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(crawlerName);
        try
        {
            // A duplicate start cannot double-run a crawler (Glue answers CrawlerRunning), so all retries are safe.
            await SendAsync("StartCrawler", new CrawlerNameRequest(crawlerName),
                GlueJsonContext.Default.CrawlerNameRequest, GlueJsonContext.Default.EmptyResponse, cancellationToken);
            return CrawlerStartResult.Started;
        }
        catch (GlueException ex) when (ex.ErrorCode == GlueErrorCodes.CrawlerRunning)
        {
            return CrawlerStartResult.AlreadyRunning;
        }
    }

    public async Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(crawlerName);
        var response = await SendAsync("GetCrawler", new CrawlerNameRequest(crawlerName),
            GlueJsonContext.Default.CrawlerNameRequest, GlueJsonContext.Default.GetCrawlerResponse, cancellationToken);
        var crawler = response.Crawler ?? throw MissingMember("GetCrawler", "Crawler");
        var state = crawler.State ?? throw MissingMember("GetCrawler", "Crawler.State");

        LastCrawl? lastCrawl = null;
        if (crawler.LastCrawl is { } last)
        {
            // Table counts are only worth a call once the crawl is over; they are a bonus, never a failure.
            var metrics = state == CrawlerState.Ready ? await TryGetCrawlerMetricsAsync(crawlerName, cancellationToken) : null;
            lastCrawl = new LastCrawl(
                last.Status ?? CrawlStatus.Create(string.Empty),
                ToTimestamp(last.StartTime),
                last.ErrorMessage,
                metrics?.TablesCreated,
                metrics?.TablesUpdated);
        }

        return new GlueCrawler(crawler.Name ?? crawlerName, state, lastCrawl);
    }

    public async Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(crawlerName);
        try
        {
            await SendAsync("StopCrawler", new CrawlerNameRequest(crawlerName),
                GlueJsonContext.Default.CrawlerNameRequest, GlueJsonContext.Default.EmptyResponse, cancellationToken);
        }
        catch (GlueException ex) when (ex.ErrorCode is GlueErrorCodes.CrawlerNotRunning or GlueErrorCodes.CrawlerStopping)
        {
            // Stopping is idempotent: a crawler that is not running, or already stopping, is as good as stopped.
        }
    }

    public async Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        var response = await SendAsync("GetJob", new GetJobRequest(jobName),
            GlueJsonContext.Default.GetJobRequest, GlueJsonContext.Default.GetJobResponse, cancellationToken);
        var job = response.Job ?? throw MissingMember("GetJob", "Job");
        return new GlueJob(
            job.Name ?? jobName,
            job.ExecutionProperty?.MaxConcurrentRuns,
            job.Timeout,
            job.DefaultArguments ?? new Dictionary<string, string>());
    }

    public async Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var response = await SendAsync("GetJobRun", new GetJobRunRequest(jobName, runId),
            GlueJsonContext.Default.GetJobRunRequest, GlueJsonContext.Default.GetJobRunResponse, cancellationToken);
        return ToJobRun(response.JobRun ?? throw MissingMember("GetJobRun", "JobRun"), jobName, "GetJobRun");
    }

    public async Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(
        string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentNullException.ThrowIfNull(runIds);
        var errors = new List<JobRunStopError>();
        foreach (var batch in runIds.Chunk(MaxRunIdsPerStopRequest))
        {
            var response = await SendAsync("BatchStopJobRun", new BatchStopJobRunRequest(jobName, batch),
                GlueJsonContext.Default.BatchStopJobRunRequest, GlueJsonContext.Default.BatchStopJobRunResponse,
                cancellationToken);

            // Per-run failures arrive with HTTP 200.
            foreach (var error in response.Errors ?? [])
            {
                errors.Add(new JobRunStopError(
                    error.JobRunId ?? string.Empty,
                    error.ErrorDetail?.ErrorCode ?? "UnknownError",
                    error.ErrorDetail?.ErrorMessage));
            }
        }

        return errors;
    }

    async Task<CrawlerMetricsDto?> TryGetCrawlerMetricsAsync(string crawlerName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await SendAsync("GetCrawlerMetrics", new GetCrawlerMetricsRequest([crawlerName]),
                GlueJsonContext.Default.GetCrawlerMetricsRequest, GlueJsonContext.Default.GetCrawlerMetricsResponse,
                cancellationToken, GlueRetryScope.ThrottlingOnly);
            return response.CrawlerMetricsList?.FirstOrDefault(m => m.CrawlerName == crawlerName);
        }
        catch (GlueException ex)
        {
            LogCrawlerMetricsUnavailable(crawlerName, ex.ErrorCode, ex.Message);
            return null;
        }
    }

    Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        GlueRetryScope retryScope = GlueRetryScope.AllTransient) =>
        client.SendAsync(operation, request, requestType, responseType, retryScope, cancellationToken);

    static GlueJobRun ToJobRun(JobRunDto run, string jobName, string operation) =>
        new(
            run.Id ?? throw MissingMember(operation, "JobRun.Id"),
            run.JobName ?? jobName,
            run.JobRunState ?? throw MissingMember(operation, "JobRun.JobRunState"),
            run.ErrorMessage,
            run.Attempt ?? 0,
            ToTimestamp(run.StartedOn),
            ToTimestamp(run.CompletedOn),
            run.ExecutionTime ?? 0,
            run.DpuSeconds,
            run.Arguments ?? new Dictionary<string, string>(),
            Capacity: new JobRunCapacity(run.MaxCapacity, run.WorkerType, run.NumberOfWorkers, run.ExecutionClass, run.GlueVersion));

    /// <summary>Glue writes epoch seconds with a fraction (sometimes in exponent form).</summary>
    static DateTimeOffset? ToTimestamp(double? epochSeconds) =>
        epochSeconds is { } seconds ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)) : null;

    static GlueException MissingMember(string operation, string member) =>
        new(AwsGlueErrorCodes.InvalidResponse, $"Glue {operation} returned a response without '{member}'.");

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug,
        Message = "Crawler metrics for {CrawlerName} are unavailable ({ErrorCode}): {Reason}")]
    private partial void LogCrawlerMetricsUnavailable(string crawlerName, string errorCode, string reason);
}
