using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Cli;

/// <summary><c>config check</c>: every configuration problem at once, or "configuration OK" — the check every verb runs first.</summary>
public static class ConfigCheckCommand
{
    public static int Run(string? configFile, TextWriter output)
    {
        if (!ConfigurationProblems.Load(new ConfigurationManager(), configFile, output))
        {
            return 2;
        }

        output.WriteLine("configuration OK");
        return 0;
    }
}
