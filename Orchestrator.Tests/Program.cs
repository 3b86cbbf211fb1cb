using Orchestrator.Tests.Engine;

namespace Orchestrator.Tests;

/// <summary>
/// The test assembly's entry point: xunit's runners, plus worker verbs that tests start as child processes
/// (so a test can kill a real process with SIGKILL and start another on the same store file).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == EngineWorkerProcess.Verb)
        {
            return await EngineWorkerProcess.RunAsync(args[1..]);
        }

        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return await Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions);
        }

        return await Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
