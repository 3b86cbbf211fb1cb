using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orchestrator.Activities.Costs;

public static class CostServices
{
    /// <summary>The prices (validated at start-up), the calculator the Glue activities price attempts with, and the budget guard.</summary>
    public static IServiceCollection AddCosts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CostOptions>().Bind(configuration.GetSection(CostOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CostOptions>, CostOptionsValidator>());
        services.TryAddSingleton<GlueCostCalculator>();
        services.TryAddSingleton<PipelineBudgets>();
        services.TryAddSingleton<BudgetAlerts>();
        return services;
    }
}
