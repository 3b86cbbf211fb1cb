using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// The S3 client beside the Glue client, created on first use with the Glue client's credentials and region, and
/// retried by the SDK with the same attempts and per-attempt timeout as Glue calls (its standard mode is botocore's,
/// whose tables <see cref="GlueRetryPolicy"/> copies). Reads run manifests and lists raw prefixes.
/// </summary>
sealed class S3Connection(AwsGlueEndpointResolver endpointResolver, IOptions<AwsGlueOptions> options) : IDisposable
{
    readonly SemaphoreSlim gate = new(1, 1);
    AmazonS3Client? client;

    public async ValueTask<AmazonS3Client> ClientAsync(CancellationToken cancellationToken)
    {
        if (client is { } created)
        {
            return created;
        }

        var endpoint = await endpointResolver.ResolveAsync(cancellationToken);
        await gate.WaitAsync(cancellationToken);
        try
        {
            return client ??= new AmazonS3Client(endpoint.Credentials, Configuration(endpoint));
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        client?.Dispose();
        gate.Dispose();
    }

    AmazonS3Config Configuration(AwsGlueEndpoint endpoint)
    {
        var settings = options.Value;
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = settings.MaxAttempts - 1,
            Timeout = settings.RequestTimeout,
            AllowAutoRedirect = false,
        };
        var serviceUrl = string.IsNullOrWhiteSpace(settings.S3ServiceUrl) ? settings.ServiceUrl : settings.S3ServiceUrl;
        if (string.IsNullOrWhiteSpace(serviceUrl))
        {
            config.RegionEndpoint = endpoint.Region;
        }
        else
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = endpoint.Region.SystemName;
            config.ForcePathStyle = true;
        }

        return config;
    }
}
