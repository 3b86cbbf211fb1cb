using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Faults;

/// <summary>
/// An <see cref="IGlueBackend"/> that injects the faults AWS Glue has in store, as the exceptions the AWS backend
/// raises for them, so the orchestrator's own retry and adoption paths meet them: throttling
/// (ThrottlingException, 400) and server errors (InternalServiceException, 500) before a call reaches Glue, starts
/// whose run was created but whose response was lost (InternalServiceException after the start: the step must adopt
/// the run by its marker, not start a second), job runs that fail, and slow polls. Each fault is drawn from the seed,
/// the operation, the resource and the call's number for that resource, so the same seed injects the same faults into
/// the same calls whatever the interleaving of steps. Every call can be appended to a <see cref="GlueCallJournal"/>.
/// </summary>
public sealed class FaultInjectingGlueBackend(
    IGlueBackend inner, GlueFaultOptions options, TimeProvider time, ILogger logger, GlueApiMetrics? metrics = null, GlueCallJournal? journal = null)
    : IGlueBackend, IDisposable
{
    /// <summary>Prefix of the run ids of injected job failures: such a run never reached Glue.</summary>
    public const string FailedRunPrefix = "jr_injected_failure_";

    readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);

    public string Kind => inner.Kind;

    public Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        CallAsync("StartCrawler", crawlerName, () => inner.StartCrawlerAsync(crawlerName, cancellationToken), cancellationToken);

    public Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        CallAsync("GetCrawler", crawlerName, () => inner.GetCrawlerAsync(crawlerName, cancellationToken), cancellationToken, slow: true);

    public Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken) =>
        CallAsync("StopCrawler", crawlerName, async () =>
        {
            await inner.StopCrawlerAsync(crawlerName, cancellationToken);
            return true;
        }, cancellationToken);

    public Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken) =>
        CallAsync("GetJob", jobName, () => inner.GetJobAsync(jobName, cancellationToken), cancellationToken);

    public async Task<JobRunStart> StartJobRunAsync(
        string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
    {
        const string operation = "StartJobRun";
        var call = Refuse(operation, marker, marker);
        if (Draw(GlueFaults.JobFailure, marker, 0) < options.JobFailures)
        {
            var failed = FailedRunId(marker);
            Record(operation, marker, GlueApiMetrics.SuccessOutcome, GlueFaults.JobFailure, marker, failed, created: true);
            return new JobRunStart(failed, Adopted: false);
        }

        JobRunStart start;
        try
        {
            start = await inner.StartJobRunAsync(jobName, arguments, marker, cancellationToken);
        }
        catch (GlueException ex)
        {
            Record(operation, marker, ex.ErrorCode, null, marker);
            throw;
        }

        if (Draw(GlueFaults.AmbiguousStart, marker, call) < options.AmbiguousStarts)
        {
            Record(operation, marker, GlueErrorCodes.InternalService, GlueFaults.AmbiguousStart, marker, start.RunId, !start.Adopted);
            throw Injected(GlueErrorCodes.InternalService, 500, GlueFaults.AmbiguousStart, operation, marker,
                "the run was created but the response was lost");
        }

        Record(operation, marker, GlueApiMetrics.SuccessOutcome, null, marker, start.RunId, !start.Adopted);
        return start;
    }

    public Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken) =>
        CallAsync("GetJobRun", runId, () => runId.StartsWith(FailedRunPrefix, StringComparison.Ordinal)
            ? Task.FromResult(FailedRun(jobName, runId, marker: null))
            : inner.GetJobRunAsync(jobName, runId, cancellationToken), cancellationToken, slow: true);

    public Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken) =>
        CallAsync("GetJobRuns", marker, () => Draw(GlueFaults.JobFailure, marker, 0) < options.JobFailures
            ? Task.FromResult<GlueJobRun?>(FailedRun(jobName, FailedRunId(marker), marker))
            : inner.FindJobRunByMarkerAsync(jobName, marker, notBefore, cancellationToken), cancellationToken,
            marker: marker, runIdOf: found => found?.Id,
            fault: Draw(GlueFaults.JobFailure, marker, 0) < options.JobFailures ? GlueFaults.JobFailure : null);

    // Not a Glue API call (the local engine answers from its records; AWS reads an S3 object): no fault.
    public Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken) =>
        inner.GetJobRunOutputAsync(jobName, run, cancellationToken);

    // On AWS a catalog read (GetPartitions), so it meets throttling and 5xx like any other call.
    public Task<RawDataCheck> CheckRawDataAsync(
        string jobName, IReadOnlyDictionary<string, string> arguments, DateTimeOffset? processedBefore, CancellationToken cancellationToken) =>
        CallAsync("GetPartitions", jobName, () => inner.CheckRawDataAsync(jobName, arguments, processedBefore, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        // An injected failure has ended already; Glue never heard of it.
        var real = runIds.Where(id => !id.StartsWith(FailedRunPrefix, StringComparison.Ordinal)).ToList();
        return CallAsync("BatchStopJobRun", jobName, () => real.Count == 0
            ? Task.FromResult<IReadOnlyList<JobRunStopError>>([])
            : inner.StopJobRunsAsync(jobName, real, cancellationToken), cancellationToken);
    }

    public void Dispose() => journal?.Dispose();

    async Task<T> CallAsync<T>(string operation, string resource, Func<Task<T>> call, CancellationToken cancellationToken,
        bool slow = false, string? marker = null, Func<T, string?>? runIdOf = null, string? fault = null)
    {
        var number = Refuse(operation, resource, marker);
        var slowed = slow && Draw(GlueFaults.SlowPoll, resource, number) < options.SlowPolls;
        if (slowed)
        {
            logger.FaultInjected(GlueFaults.SlowPoll, operation, resource);
            await Task.Delay(options.SlowPollDelay, time, cancellationToken);
        }

        try
        {
            var result = await call();
            Record(operation, resource, GlueApiMetrics.SuccessOutcome, slowed ? GlueFaults.SlowPoll : fault, marker, runIdOf?.Invoke(result));
            return result;
        }
        catch (GlueException ex)
        {
            Record(operation, resource, ex.ErrorCode, slowed ? GlueFaults.SlowPoll : null, marker);
            throw;
        }
    }

    /// <summary>Numbers the call and throws an injected throttling or server error for it; returns its number.</summary>
    int Refuse(string operation, string resource, string? marker)
    {
        var number = calls.AddOrUpdate($"{operation}/{resource}", 1, (_, n) => n + 1);
        if (Draw(GlueFaults.Throttling, $"{operation}/{resource}", number) < options.Throttling)
        {
            Record(operation, resource, GlueErrorCodes.Throttling, GlueFaults.Throttling, marker);
            throw Injected(GlueErrorCodes.Throttling, 400, GlueFaults.Throttling, operation, resource, "Rate exceeded");
        }

        if (Draw(GlueFaults.ServerError, $"{operation}/{resource}", number) < options.ServerErrors)
        {
            Record(operation, resource, GlueErrorCodes.InternalService, GlueFaults.ServerError, marker);
            throw Injected(GlueErrorCodes.InternalService, 500, GlueFaults.ServerError, operation, resource, "Internal service error");
        }

        return number;
    }

    GlueException Injected(string code, int status, string fault, string operation, string resource, string message)
    {
        logger.FaultInjected(fault, operation, resource);
        // The real backend counts refused calls on the wire; these never got there.
        if (fault != GlueFaults.AmbiguousStart)
        {
            metrics?.RecordCall(operation, code);
        }

        return new GlueException(code, $"{message} (injected by {GlueFaultOptions.SectionPath})", status);
    }

    double Draw(string fault, string resource, int number) => DeterministicDraw.For($"{options.Seed}/{fault}/{resource}/{number}");

    void Record(string operation, string resource, string outcome, string? fault, string? marker = null, string? runId = null, bool created = false) =>
        journal?.Append(new GlueCallRecord(time.GetUtcNow(), operation, resource, outcome, fault, marker, runId, created));

    GlueJobRun FailedRun(string jobName, string runId, string? marker)
    {
        var now = time.GetUtcNow();
        var arguments = marker is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [GlueArguments.RunMarker] = marker };
        return new GlueJobRun(runId, jobName, JobRunState.Failed, $"Job run failed (injected by {GlueFaultOptions.SectionPath})", 0, now, now, 0, null, arguments);
    }

    /// <summary>Derived from the marker, so the same failed run is found again after a restart.</summary>
    static string FailedRunId(string marker) =>
        FailedRunPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(marker)))[..24];
}
