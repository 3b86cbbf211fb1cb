using Amazon.Runtime.Signing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Aws;

public static class AwsGlueServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="AwsGlueBackend"/> as the <see cref="IGlueBackend"/>, configured from
    /// <paramref name="awsSection"/> (<c>Orchestrator:Glue:Aws</c>) and validated at start-up. Credentials and region
    /// are resolved on the first Glue call; an <c>AWSCredentials</c> registered in the container replaces the chain.
    /// </summary>
    public static IServiceCollection AddAwsGlueBackend(this IServiceCollection services, IConfiguration awsSection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(awsSection);

        services.AddOptions<AwsGlueOptions>().Bind(awsSection).ValidateOnStart();
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<AwsGlueOptions>, AwsGlueOptionsValidator>());
        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GlueApiMetrics>();
        services.TryAddSingleton<AwsGlueEndpointResolver>();
        services.TryAddSingleton<GlueApiClient>();
        services.TryAddSingleton<S3Connection>();
        services.TryAddSingleton<JobRunManifests>();
        services.TryAddSingleton(sp => new AwsGlueBackend(
            sp.GetRequiredService<GlueApiClient>(),
            sp.GetRequiredService<JobRunManifests>(),
            sp.GetRequiredService<S3Connection>(),
            sp.GetRequiredService<IOptions<AwsGlueOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AwsGlueBackend>>()));
        services.AddSingleton<IGlueBackend>(sp => sp.GetRequiredService<AwsGlueBackend>());

        services.AddHttpClient(GlueApiClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            // The signer is the primary handler, wrapping the transport: the retry handler added below sits outside
            // it, so each attempt is signed afresh. Redirects are off because a followed redirect is never re-signed.
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var endpoint = sp.GetRequiredService<AwsGlueEndpointResolver>().Resolved;
                return new SigV4SigningHandler(endpoint.Credentials, endpoint.Region, "glue",
                    new SocketsHttpHandler { AllowAutoRedirect = false });
            })
            .AddResilienceHandler("glue-retry", (builder, context) =>
                GlueRetryPolicy.Configure(builder, context.ServiceProvider.GetRequiredService<IOptions<AwsGlueOptions>>().Value));

        return services;
    }
}
