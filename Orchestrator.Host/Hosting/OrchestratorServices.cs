using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Notifications;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue.Aws;
using Orchestrator.Glue.Faults;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Api;
using Orchestrator.Host.Observability;
using Orchestrator.Storage;

namespace Orchestrator.Host.Hosting;

/// <summary>Everything every verb of the host needs: options (validated at start-up), the store, the Glue backend, pipelines and runs.</summary>
public static class OrchestratorServices
{
    public static IServiceCollection AddOrchestrator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OrchestratorOptions>().Bind(configuration.GetSection(OrchestratorOptions.Section)).ValidateOnStart();
        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.Section)).ValidateOnStart();
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateOnStart();
        services.AddOptions<GlueSelection>().Bind(configuration.GetSection(GlueSelection.Section)).ValidateOnStart();
        services.AddOptions<PipelinesOptions>()
            // Inside a dictionary the binder drops an entry whose value does not convert, in silence, unless it is
            // told to refuse unknown keys too: the configuration check reports both (OptionsShape) before this runs.
            .Configure(options => configuration.GetSection(PipelineDefinitionReader.Section).Bind(options.Pipelines, binder => binder.ErrorOnUnknownConfiguration = true))
            .ValidateOnStart();
        services.AddSingleton(new OptionsShape(PipelineDefinitionReader.Section, typeof(Dictionary<string, PipelineOptions>), UnknownKeysAreProblems: true));
        services.AddNotifications(configuration);
        services.AddSingleton(new OptionsShape(NotificationOptions.Section, typeof(NotificationOptions), UnknownKeysAreProblems: true));
        services.AddCosts(configuration);
        services.AddSingleton(new OptionsShape(CostOptions.Section, typeof(CostOptions), UnknownKeysAreProblems: true));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrchestratorOptions>, HostOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiOptions>, HostOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GlueSelection>, HostOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelinesOptions>, PipelinesOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        var dataDirectory = configuration[$"{OrchestratorOptions.Section}:DataDirectory"] is { } data && !string.IsNullOrWhiteSpace(data) ? data : new OrchestratorOptions().DataDirectory;
        var backend = configuration[$"{GlueSelection.Section}:Backend"] ?? GlueSelection.Local;
        if (string.Equals(backend, GlueSelection.Aws, StringComparison.OrdinalIgnoreCase))
        {
            services.AddAwsGlueBackend(configuration.GetSection($"{GlueSelection.Section}:Aws"));
        }
        else
        {
            // Selecting Local never touches AWS credentials or the network.
            services.AddLocalGlueBackend(configuration.GetSection(LocalGlueOptions.SectionPath), dataDirectory);
            services.AddSingleton(new OptionsShape(LocalGlueOptions.SectionPath, typeof(LocalGlueOptions), UnknownKeysAreProblems: true));
            if (string.Equals(backend, GlueSelection.Local, StringComparison.OrdinalIgnoreCase))
            {
                // Not for a backend name that is neither: that name is the one problem worth reporting then.
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelinesOptions>, LocalGlueReferences>());
            }
        }

        services.AddGlueFaults(configuration.GetSection(GlueFaultOptions.SectionPath));
        services.AddSingleton(new OptionsShape(GlueFaultOptions.SectionPath, typeof(GlueFaultOptions), UnknownKeysAreProblems: true));

        services.AddSingleton<StoreConnection>();
        services.AddSingleton(sp => sp.GetRequiredService<StoreConnection>().Store);
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<StoreConnection>().Store.Client);
        services.AddSingleton<IOrchestrationServiceQueryClient>(sp => sp.GetRequiredService<StoreConnection>().Store.Query);
        services.AddSingleton<Orchestrator.Storage.Listings.IInstanceListing>(sp => sp.GetRequiredService<StoreConnection>().Store.Listing);
        services.AddSingleton<IOrchestrationServicePurgeClient>(sp => sp.GetRequiredService<StoreConnection>().Store.Purge);
        services.AddSingleton(sp => new PipelineCatalog(sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.Read().Definitions));
        services.AddSingleton<RunListingCache>();
        services.AddSingleton<RunQueries>();
        services.AddSingleton<RunCommands>();
        services.AddSingleton<Orchestrator.Activities.Plans.EntityHistory>();
        services.AddSingleton<Orchestrator.Activities.Plans.RunCutoffs>();
        services.AddSingleton<Orchestrator.Activities.Plans.PipelinePlanner>();
        services.AddSingleton(sp => sp.GetRequiredService<StoreConnection>().Store.Journal
            ?? throw new InvalidOperationException("The durable store keeps no journals."));
        services.AddSingleton<PartitionChangeFeed>();
        services.AddMetrics();
        services.AddSingleton<RunMetrics>();
        services.AddSingleton<OrchestratorMetrics>();
        return services;
    }

    /// <summary>The durable worker as a hosted service, also resolvable (readiness asks whether it runs).</summary>
    public static IServiceCollection AddDurableWorker(this IServiceCollection services)
    {
        services.AddSingleton<DurableWorkerService>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableWorkerService>());
        return services;
    }
}
