namespace Orchestrator.Host.Cli;

/// <summary><c>config check</c>: every configuration problem at once, or "configuration OK".</summary>
public static class ConfigCheckCommand
{
    public static Task<int> RunAsync(string? configFile, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(configFile, withWorker: false);
        if (!CliHost.CheckConfiguration(host, Console.Out))
        {
            return Task.FromResult(2);
        }

        Console.WriteLine("configuration OK");
        return Task.FromResult(0);
    }
}
