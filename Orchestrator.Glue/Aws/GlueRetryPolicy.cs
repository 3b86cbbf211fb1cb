using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// The HTTP retry of Glue calls: exponential back-off with jitter for throttling, 429/5xx, transient codes,
/// connection errors and per-attempt timeouts. It sits outside the SigV4 handler, so every attempt is re-signed.
/// </summary>
static class GlueRetryPolicy
{
    public static readonly HttpRequestOptionsKey<GlueRetryScope> ScopeKey = new("Orchestrator.Glue.RetryScope");

    // botocore's standard retry mode tables (docs/glue-api-notes.md, "Error codes and retries").
    static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    };

    static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", GlueErrorCodes.InternalService, GlueErrorCodes.OperationTimeout,
    };

    public static bool IsThrottling(string? code) => code is not null && ThrottlingCodes.Contains(code);

    public static bool IsTransient(string? code) => code is not null && TransientCodes.Contains(code);

    /// <summary>
    /// A failed or reset connection. Usually an <see cref="HttpRequestException"/>, but a reset straight after connecting
    /// can surface as a bare <see cref="SocketException"/> from SocketsHttpHandler.
    /// </summary>
    public static bool IsConnectionFailure(Exception exception) =>
        exception is HttpRequestException or SocketException or IOException;

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, AwsGlueOptions options)
    {
        // MaxAttempts = 1 means no retry at all; Polly refuses a retry strategy with zero retries.
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldRetryAfterHeader = true,
                ShouldHandle = ShouldRetryAsync,
            });
        }

        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.RequestTimeout });
    }

    static async ValueTask<bool> ShouldRetryAsync(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var scope = args.Context.GetRequestMessage() is { } request &&
            request.Options.TryGetValue(ScopeKey, out var requested)
                ? requested
                : GlueRetryScope.AllTransient;

        if (args.Outcome.Exception is { } exception)
        {
            return scope == GlueRetryScope.AllTransient &&
                (IsConnectionFailure(exception) || exception is TimeoutRejectedException);
        }

        if (args.Outcome.Result is not { IsSuccessStatusCode: false } response)
        {
            return false;
        }

        var status = (int)response.StatusCode;
        var code = await GlueErrorResponse.ReadCodeAsync(response, args.Context.CancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests || IsThrottling(code))
        {
            return true;
        }

        return scope == GlueRetryScope.AllTransient &&
            (status is 500 or 502 or 503 or 504 || IsTransient(code));
    }
}
