using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Cli;

/// <summary><c>serve</c>: runs until stopped (Ctrl+C or SIGTERM drains the worker within its grace period).</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(string? configFile, string? urls, TextWriter errors, CancellationToken cancellationToken)
    {
        var (app, exitCode) = await OrchestratorWebApp.BuildAsync(configFile, urls, errors, cancellationToken);
        if (app is null)
        {
            return exitCode;
        }

        await using (app)
        {
            try
            {
                await app.RunAsync();
            }
            catch (IOException ex)
            {
                // Most often the address is already in use by another process.
                await errors.WriteLineAsync($"Cannot listen: {ex.Message}");
                return 2;
            }
        }

        return 0;
    }
}
