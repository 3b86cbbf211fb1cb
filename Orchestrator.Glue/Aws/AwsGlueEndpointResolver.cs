using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// Resolves region, endpoint and credentials on the first Glue call, not at start-up, so a host that never calls
/// Glue over the wire never touches the AWS credential chain or the network. A success is kept; a failure is
/// reported as one <see cref="AwsGlueConfigurationException"/> and tried again on the next call.
/// </summary>
sealed class AwsGlueEndpointResolver : IDisposable
{
    readonly AwsGlueOptions options;
    readonly AWSCredentials? explicitCredentials;
    readonly DefaultAWSCredentialsIdentityResolver credentialChain = new();
    readonly SemaphoreSlim gate = new(1, 1);
    AwsGlueEndpoint? endpoint;

    /// <param name="explicitCredentials">Credentials registered in the container (tests, custom hosts); when absent the
    /// SDK's default chain is used: environment, web identity, profile, container, instance metadata.</param>
    public AwsGlueEndpointResolver(IOptions<AwsGlueOptions> options, AWSCredentials? explicitCredentials = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        this.explicitCredentials = explicitCredentials;
    }

    /// <summary>The endpoint resolved by an earlier <see cref="ResolveAsync"/>.</summary>
    public AwsGlueEndpoint Resolved =>
        endpoint ?? throw new InvalidOperationException("The Glue endpoint is used before it was resolved.");

    public async ValueTask<AwsGlueEndpoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (endpoint is { } resolved)
        {
            return resolved;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            return endpoint ??= await ResolveCoreAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        credentialChain.Dispose();
        gate.Dispose();
    }

    async Task<AwsGlueEndpoint> ResolveCoreAsync(CancellationToken cancellationToken)
    {
        var region = ResolveRegion();
        var credentials = explicitCredentials ?? await ResolveCredentialsAsync(cancellationToken);
        var serviceUrl = string.IsNullOrWhiteSpace(options.ServiceUrl)
            ? new Uri($"https://glue.{region.SystemName}.{region.PartitionDnsSuffix ?? "amazonaws.com"}/")
            : new Uri(options.ServiceUrl, UriKind.Absolute);
        return new AwsGlueEndpoint(serviceUrl, region, credentials);
    }

    RegionEndpoint ResolveRegion()
    {
        if (!string.IsNullOrWhiteSpace(options.Region))
        {
            return RegionEndpoint.GetBySystemName(options.Region.Trim());
        }

        RegionEndpoint? region;
        try
        {
            region = FallbackRegionFactory.GetRegionEndpoint(includeInstanceMetadata: true);
        }
        catch (Exception ex) when (ex is AmazonClientException or InvalidOperationException)
        {
            throw new AwsGlueConfigurationException(NoRegionMessage + " The SDK said: " + FirstLine(ex.Message), ex);
        }

        return region ?? throw new AwsGlueConfigurationException(NoRegionMessage);
    }

    async Task<AWSCredentials> ResolveCredentialsAsync(CancellationToken cancellationToken)
    {
        try
        {
            // No client config: the chain uses its own defaults (AWS_PROFILE or "default").
            return await credentialChain.ResolveIdentityAsync(null!, cancellationToken);
        }
        catch (Exception ex) when (ex is AmazonClientException or ProfileNotFoundException)
        {
            throw new AwsGlueConfigurationException(
                "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), " +
                "AWS_PROFILE, or web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), or run with a " +
                "container or instance role." + (ex is ProfileNotFoundException ? " " + ex.Message : string.Empty), ex);
        }
    }

    const string NoRegionMessage =
        "no AWS region: set " + AwsGlueOptions.SectionPath + ":Region or AWS_REGION (or a region in the AWS profile).";

    static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
