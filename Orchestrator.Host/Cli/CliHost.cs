using Orchestrator.Host.Hosting;
using Orchestrator.Host.Observability;
using Orchestrator.Host.Storage;
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
    public static IHost Build(string? configFile, bool withWorker)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        HostConfiguration.Apply(builder.Configuration, configFile);
        builder.Services.AddSerilog((_, logger) => LoggingSetup.Configure(logger, builder.Configuration, consoleMinimum: LogEventLevel.Warning));
        builder.Services.AddOrchestrator(builder.Configuration);
        if (withWorker)
        {
            builder.Services.AddDurableWorker();
        }

        return builder.Build();
    }

    /// <summary>Checks the configuration; prints every problem and returns false when there are any.</summary>
    public static bool CheckConfiguration(IHost host, TextWriter output)
    {
        var problems = ConfigurationProblems.Find(host.Services);
        if (problems.Count > 0)
        {
            ConfigurationProblems.Print(problems, output);
        }

        return problems.Count == 0;
    }

    /// <summary>Checks the configuration and opens the store; prints what is wrong and returns false when either fails.</summary>
    public static async Task<bool> PrepareAsync(IHost host, TextWriter errors, CancellationToken cancellationToken)
    {
        if (!CheckConfiguration(host, errors))
        {
            return false;
        }

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
