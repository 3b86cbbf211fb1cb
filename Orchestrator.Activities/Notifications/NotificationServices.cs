using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orchestrator.Activities.Notifications;

public static class NotificationServices
{
    /// <summary>Webhook subscriptions (validated at start-up), the client that posts them, and the deliveries' reader.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        var pipelines = configuration.GetSection(Pipelines.PipelineDefinitionReader.Section).GetChildren().Select(c => c.Key).ToList();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>>(new NotificationOptionsValidator(pipelines)));
        services.TryAddSingleton<WebhookSubscriptions>();
        services.TryAddSingleton<WebhookDeliveries>();
        // The attempt's timeout is the activity's (per subscription policy), so the client itself never times out first.
        services.AddHttpClient(DeliverWebhookActivity.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        return services;
    }
}
