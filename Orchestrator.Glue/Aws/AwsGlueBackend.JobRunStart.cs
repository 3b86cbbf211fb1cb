using Microsoft.Extensions.Logging;
using Orchestrator.Glue.Aws.Wire;

namespace Orchestrator.Glue.Aws;

// Crash-safe job starts. Glue has no idempotency token for StartJobRun, so every start carries a marker argument
// and an ambiguous outcome is resolved by looking for that marker before anything is started again.
public sealed partial class AwsGlueBackend
{
    public async Task<JobRunStart> StartJobRunAsync(
        string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentException.ThrowIfNullOrWhiteSpace(marker);
        var runArguments = WithMarker(arguments, marker);
        var notBefore = timeProvider.GetUtcNow() - options.MarkerScanLookback;

        for (var attempt = 1; ; attempt++)
        {
            GlueException ambiguous;
            try
            {
                var response = await SendAsync("StartJobRun", new StartJobRunRequest(jobName, runArguments),
                    GlueJsonContext.Default.StartJobRunRequest, GlueJsonContext.Default.StartJobRunResponse,
                    cancellationToken, GlueRetryScope.ThrottlingOnly);
                var runId = response.JobRunId ?? throw MissingMember("StartJobRun", "JobRunId");
                LogJobRunStarted(jobName, runId, marker);
                return new JobRunStart(runId, Adopted: false);
            }
            catch (GlueException ex) when (IsAmbiguousStartOutcome(ex))
            {
                ambiguous = ex;
            }

            LogAmbiguousStart(jobName, marker, ambiguous.ErrorCode, attempt);
            var existing = await FindJobRunByMarkerAsync(jobName, marker, notBefore, cancellationToken);
            if (existing is null)
            {
                // A run started a moment ago may not be listed yet.
                await Task.Delay(options.ReconcileDelay, timeProvider, cancellationToken);
                existing = await FindJobRunByMarkerAsync(jobName, marker, notBefore, cancellationToken);
            }

            if (existing is not null)
            {
                LogJobRunAdopted(jobName, existing.Id, marker, existing.State.Value);
                return new JobRunStart(existing.Id, Adopted: true);
            }

            // Too many runs of someone else's: the orchestration's retry policy decides when to try again.
            if (ambiguous.ErrorCode == GlueErrorCodes.ConcurrentRunsExceeded || attempt >= options.MaxStartAttempts)
            {
                throw ambiguous;
            }
        }
    }

    public async Task<GlueJobRun?> FindJobRunByMarkerAsync(
        string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentException.ThrowIfNullOrWhiteSpace(marker);

        GlueJobRun? found = null;
        var oldestFirst = false;
        string? nextToken = null;
        for (var page = 0; page < options.MarkerScanMaxPages; page++)
        {
            var response = await SendAsync("GetJobRuns",
                new GetJobRunsRequest(jobName, options.MarkerScanPageSize, nextToken),
                GlueJsonContext.Default.GetJobRunsRequest, GlueJsonContext.Default.GetJobRunsResponse, cancellationToken);
            var runs = (response.JobRuns ?? []).Select(r => ToJobRun(r, jobName, "GetJobRuns")).ToList();

            foreach (var run in runs.Where(r => r.Marker == marker))
            {
                if (found is null || (run.StartedOn ?? DateTimeOffset.MinValue) > (found.StartedOn ?? DateTimeOffset.MinValue))
                {
                    found = run;
                }
            }

            oldestFirst |= IsOldestFirst(runs);
            // Newest first (real Glue): the first match is the newest, and a page that reaches runs started before
            // the request ends the scan. Oldest first (moto): only the page bound stops it.
            var reachedOldRuns = runs.Count > 0 && runs[^1].StartedOn is { } last && last < notBefore;
            if ((found is not null || reachedOldRuns) && !oldestFirst)
            {
                break;
            }

            nextToken = response.NextToken;
            if (string.IsNullOrEmpty(nextToken))
            {
                break;
            }
        }

        return found;
    }

    /// <summary>
    /// Outcomes after which the run may or may not exist (docs/glue-api-notes.md, "Ambiguous starts and reconciliation").
    /// </summary>
    static bool IsAmbiguousStartOutcome(GlueException ex) =>
        ex.ErrorCode is GlueErrorCodes.ConcurrentRunsExceeded or GlueErrorCodes.InternalService
            or GlueErrorCodes.OperationTimeout or AwsGlueErrorCodes.RequestTimeout or AwsGlueErrorCodes.ConnectionFailure
        || ex.HttpStatus >= 500;

    static bool IsOldestFirst(List<GlueJobRun> runs)
    {
        for (var i = 1; i < runs.Count; i++)
        {
            if (runs[i - 1].StartedOn is { } earlier && runs[i].StartedOn is { } later && later > earlier)
            {
                return true;
            }
        }

        return false;
    }

    static Dictionary<string, string> WithMarker(IReadOnlyDictionary<string, string> arguments, string marker)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var invalid = arguments.Keys.Where(k => !k.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (invalid.Count > 0)
        {
            throw new ArgumentException(
                $"Glue job arguments must be named '--name'; these are not: {string.Join(", ", invalid)}.",
                nameof(arguments));
        }

        return new Dictionary<string, string>(arguments, StringComparer.Ordinal) { [GlueArguments.RunMarker] = marker };
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Started Glue job {JobName} run {RunId} (marker {Marker})")]
    private partial void LogJobRunStarted(string jobName, string runId, string marker);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "StartJobRun of {JobName} (marker {Marker}) ended ambiguously with {ErrorCode} on attempt {Attempt}; looking for the run before starting again")]
    private partial void LogAmbiguousStart(string jobName, string marker, string errorCode, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Adopted Glue job {JobName} run {RunId} (marker {Marker}, state {State}) instead of starting another")]
    private partial void LogJobRunAdopted(string jobName, string runId, string marker, string state);
}
