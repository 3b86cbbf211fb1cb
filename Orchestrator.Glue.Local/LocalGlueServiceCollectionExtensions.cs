using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Local;

public static class LocalGlueServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded Glue engine as <see cref="IGlueBackend"/>, with its options bound from
    /// <paramref name="localSection"/> (<c>Orchestrator:Glue:Local</c>) and validated at start-up. LakeRoot and
    /// CatalogPath default to <c>lake</c> and <c>catalog.db</c> under <paramref name="dataDirectory"/>.
    /// </summary>
    public static IServiceCollection AddLocalGlueBackend(
        this IServiceCollection services, IConfiguration localSection, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(localSection);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        services.AddOptions<LocalGlueOptions>()
            // Without this the binder drops a crawler or job whose value does not convert, in silence.
            .Bind(localSection, binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.LakeRoot))
                {
                    options.LakeRoot = Path.Combine(dataDirectory, "lake");
                }

                if (string.IsNullOrWhiteSpace(options.CatalogPath))
                {
                    options.CatalogPath = Path.Combine(dataDirectory, "catalog.db");
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<LocalGlueOptions>, LocalGlueOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new LocalGlueBackend(
            provider.GetRequiredService<IOptions<LocalGlueOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<LocalGlueBackend>>(),
            provider.GetRequiredService<LocalGlueMetrics>()));
        // Started with the host, so job runs and crawls a killed host left resume at once, not at the first poll.
        services.AddHostedService(provider => provider.GetRequiredService<LocalGlueBackend>());
        services.AddMetrics();
        services.TryAddSingleton<LocalGlueMetrics>();
        services.TryAddSingleton<GlueApiMetrics>();
        services.TryAddSingleton<IGlueBackend>(provider =>
            new CountedGlueBackend(provider.GetRequiredService<LocalGlueBackend>(), provider.GetRequiredService<GlueApiMetrics>()));
        services.TryAddSingleton(provider => new SampleDataGenerator(
            provider.GetRequiredService<IOptions<LocalGlueOptions>>().Value.LakeRoot,
            provider.GetRequiredService<TimeProvider>()));
        return services;
    }
}
