using System.ComponentModel;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// Retry of failed job runs and crawls, as Step Functions has it: attempts, first delay, back-off coefficient,
/// maximum delay, full jitter, and which error classes or messages are retried or never retried. An error class is a
/// Glue job run state (FAILED, TIMEOUT, ERROR, …), a crawl status, or a Glue error code
/// (ConcurrentRunsExceededException, …). Attempts interrupted by the orchestrator's own host going away are not
/// failures of the job: they are tried again at once, outside MaxAttempts, at most
/// <see cref="MaxInterruptedAttempts"/> times.
/// </summary>
public sealed record RetryPolicy(
    int MaxAttempts,
    TimeSpan FirstDelay,
    double BackoffCoefficient,
    TimeSpan MaxDelay,
    bool FullJitter,
    IReadOnlyList<string> RetryOn,
    IReadOnlyList<string> NeverRetryOn,
    IReadOnlyList<string> RetryOnMessages,
    IReadOnlyList<string> NeverRetryOnMessages,
    [property: DefaultValue(RetryPolicy.DefaultMaxInterruptedAttempts)]
    [property: JsonProperty(DefaultValueHandling = DefaultValueHandling.Populate)]
    int MaxInterruptedAttempts = RetryPolicy.DefaultMaxInterruptedAttempts)
{
    public const int DefaultMaxInterruptedAttempts = 10;

    /// <summary>Retried when <see cref="RetryOn"/> is empty: failed runs and Glue's transient refusals.</summary>
    public static readonly IReadOnlyList<string> DefaultRetryOn =
    [
        JobRunState.Failed.Value, JobRunState.Timeout.Value, JobRunState.Error.Value, JobRunState.Expired.Value,
        GlueErrorCodes.ConcurrentRunsExceeded, GlueErrorCodes.Throttling, GlueErrorCodes.InternalService,
        GlueErrorCodes.OperationTimeout, GlueErrorCodes.ResourceNumberLimitExceeded, GlueCalls.GlueCallError.UnexpectedError,
    ];

    /// <summary>Configuration errors: retrying cannot help, whatever the policy says.</summary>
    public static readonly IReadOnlyList<string> Permanent =
        [GlueErrorCodes.EntityNotFound, GlueErrorCodes.InvalidInput, GlueErrorCodes.AccessDenied, GlueErrorCodes.ConfigurationError];

    public static RetryPolicy Default { get; } = new(3, TimeSpan.FromSeconds(30), 2.0, TimeSpan.FromMinutes(10), true, [], [], [], []);

    /// <summary>Whether a failed attempt (1-based <paramref name="attempt"/>) is followed by another.</summary>
    public bool ShouldRetry(int attempt, string errorClass, string? message)
    {
        if (attempt >= MaxAttempts || Permanent.Contains(errorClass, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        var text = message ?? string.Empty;
        if (NeverRetryOn.Contains(errorClass, StringComparer.OrdinalIgnoreCase) || NeverRetryOnMessages.Any(p => Matches(p, text)))
        {
            return false;
        }

        var retryOn = RetryOn.Count > 0 ? RetryOn : DefaultRetryOn;
        return retryOn.Contains(errorClass, StringComparer.OrdinalIgnoreCase) || RetryOnMessages.Any(p => Matches(p, text));
    }

    /// <summary>
    /// The wait before the attempt after <paramref name="attempt"/>: the capped exponential delay, or with full
    /// jitter a uniform draw below it. <paramref name="draw"/> is in [0, 1) and must be deterministic for replay.
    /// </summary>
    public TimeSpan DelayAfter(int attempt, double draw)
    {
        var capped = Math.Min(MaxDelay.Ticks, FirstDelay.Ticks * Math.Pow(BackoffCoefficient, Math.Max(0, attempt - 1)));
        return TimeSpan.FromTicks((long)(FullJitter ? capped * draw : capped));
    }

    /// <summary>Whether a step whose attempts were interrupted <paramref name="interruptions"/> times tries again.</summary>
    public bool ShouldRetryInterrupted(int interruptions) => interruptions <= MaxInterruptedAttempts;

    static bool Matches(string pattern, string text) =>
        Regex.IsMatch(text, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
