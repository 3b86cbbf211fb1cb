using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Faults;

public static class GlueFaultServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="GlueFaultOptions"/> from <paramref name="faultsSection"/> (validated at start-up) and wraps the
    /// <see cref="IGlueBackend"/> registered so far in a <see cref="FaultInjectingGlueBackend"/> when, and only when,
    /// <see cref="GlueFaultOptions.Enabled"/> is set. Call it after the backend is registered.
    /// </summary>
    public static IServiceCollection AddGlueFaults(this IServiceCollection services, IConfiguration faultsSection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(faultsSection);
        services.AddOptions<GlueFaultOptions>().Bind(faultsSection, binder => binder.ErrorOnUnknownConfiguration = true).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GlueFaultOptions>, GlueFaultOptionsValidator>());
        var backend = services.LastOrDefault(d => d.ServiceType == typeof(IGlueBackend) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("Register the Glue backend before its faults.");
        services.Remove(backend);
        services.AddSingleton<IGlueBackend>(provider =>
        {
            var inner = Resolve(provider, backend);
            var options = provider.GetRequiredService<IOptions<GlueFaultOptions>>().Value;
            if (!options.Enabled)
            {
                return inner;
            }

            var logger = provider.GetRequiredService<ILogger<FaultInjectingGlueBackend>>();
            logger.FaultsEnabled(options.Throttling, options.ServerErrors, options.AmbiguousStarts, options.JobFailures, options.SlowPolls, options.Seed);
            return new FaultInjectingGlueBackend(inner, options, provider.GetRequiredService<TimeProvider>(), logger,
                provider.GetService<GlueApiMetrics>(), string.IsNullOrWhiteSpace(options.JournalPath) ? null : new GlueCallJournal(options.JournalPath));
        });
        return services;
    }

    static IGlueBackend Resolve(IServiceProvider provider, ServiceDescriptor descriptor) =>
        (IGlueBackend)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!));
}
