using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Polly.Timeout;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// One Glue JSON 1.1 call: <c>POST /</c> with <c>X-Amz-Target: AWSGlue.&lt;Op&gt;</c>, signed and retried by the
/// handlers of the named HTTP client. Every failure becomes a <see cref="GlueException"/>; every call is counted.
/// </summary>
sealed class GlueApiClient(
    IHttpClientFactory httpClientFactory,
    AwsGlueEndpointResolver endpointResolver,
    GlueApiMetrics metrics)
{
    public const string HttpClientName = "Orchestrator.Glue.Aws";

    static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.1");

    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        GlueRetryScope retryScope,
        CancellationToken cancellationToken)
    {
        var outcome = "cancelled";
        try
        {
            var response = await SendCoreAsync(operation, request, requestType, responseType, retryScope, cancellationToken);
            outcome = GlueApiMetrics.SuccessOutcome;
            return response;
        }
        catch (GlueException ex)
        {
            outcome = ex.ErrorCode;
            throw;
        }
        finally
        {
            metrics.RecordCall(operation, outcome);
        }
    }

    async Task<TResponse> SendCoreAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        GlueRetryScope retryScope,
        CancellationToken cancellationToken)
    {
        var endpoint = await endpointResolver.ResolveAsync(cancellationToken);
        var client = httpClientFactory.CreateClient(HttpClientName);
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.ServiceUrl);
        message.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, requestType));
        message.Content.Headers.ContentType = JsonContentType;
        message.Headers.Add("X-Amz-Target", "AWSGlue." + operation);
        message.Options.Set(GlueRetryPolicy.ScopeKey, retryScope);

        try
        {
            using var response = await client.SendAsync(message, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw GlueErrorResponse.ToException(operation, response, body);
            }

            return ReadBody(operation, (int)response.StatusCode, body, responseType);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new GlueException(
                AwsGlueErrorCodes.RequestTimeout, $"Glue {operation} timed out: {ex.Message}", null, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GlueException(
                AwsGlueErrorCodes.RequestTimeout, $"Glue {operation} timed out: {ex.Message}", null, ex);
        }
        catch (Exception ex) when (GlueRetryPolicy.IsConnectionFailure(ex))
        {
            throw new GlueException(
                AwsGlueErrorCodes.ConnectionFailure,
                $"Glue {operation} could not reach {endpoint.ServiceUrl}: {ex.Message}", null, ex);
        }
        catch (AmazonClientException ex)
        {
            // Credentials found at start-up can still fail to refresh (STS or the metadata service unreachable).
            throw new GlueException(
                AwsGlueErrorCodes.CredentialsUnavailable,
                $"Glue {operation} could not be signed: AWS credentials are unavailable: {ex.Message}", null, ex);
        }
    }

    static TResponse ReadBody<TResponse>(string operation, int status, byte[] body, JsonTypeInfo<TResponse> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw InvalidBody(operation, status, body, null);
        }
        catch (JsonException ex)
        {
            throw InvalidBody(operation, status, body, ex);
        }
    }

    static GlueException InvalidBody(string operation, int status, byte[] body, JsonException? cause) =>
        new(AwsGlueErrorCodes.InvalidResponse,
            $"Glue {operation} returned HTTP {status} with a body that is not the expected JSON " +
            $"({cause?.Message ?? "null"}): {(body.Length == 0 ? "(empty body)" : GlueErrorResponse.Snippet(body))}",
            status,
            cause);
}
