using Orchestrator.Host.Hosting;
using Orchestrator.Host.Observability;
using Orchestrator.Storage;
using Serilog;
using Serilog.Events;

namespace Orchestrator.Host.Cli;

/// <summary>
/// The host the command-line verbs run in: the same configuration, store and Glue backend as <c>serve</c>, without
/// the web server or the scheduler. Console logs show warnings and errors only, so they do not drown the verb's output.
/// </summary>
public static class CliHost
{
    /// <summary>The host, or null when the configuration has problems (printed to <paramref name="errors"/>).</summary>
    public static IHost? Build(string? configFile, bool withWorker, TextWriter errors)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        if (!ConfigurationProblems.Load(builder.Configuration, configFile, errors))
        {
            return null;
        }

        builder.Services.AddSerilog((_, logger) => LoggingSetup.Configure(logger, builder.Configuration, consoleMinimum: LogEventLevel.Warning));
        builder.Services.AddOrchestrator(builder.Configuration);
        if (withWorker)
        {
            builder.Services.AddDurableWorker();
        }

        return builder.Build();
    }

    /// <summary>Opens the store; prints why not and returns false when it cannot be used.</summary>
    public static async Task<bool> OpenStoreAsync(IHost host, TextWriter errors, CancellationToken cancellationToken)
    {
        try
        {
            await host.Services.GetRequiredService<StoreConnection>().OpenAsync(cancellationToken);
            return true;
        }
        catch (StoreUnavailableException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return false;
        }
    }
}
