using System.Diagnostics;
using System.Globalization;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Engine.Workloads;

namespace Orchestrator.Tests.Engine;

/// <summary>
/// A worker in its own process on a shared SQLite store, running the test workloads and appending each
/// activity's side effect to a file. Started by tests with <see cref="Start"/>; it prints "ready" once working.
/// </summary>
public static class EngineWorkerProcess
{
    public const string Verb = "engine-worker";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1]);
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(options["--store"])
        {
            WorkItemLockTimeout = TimeSpan.FromSeconds(double.Parse(options["--lock-seconds"], CultureInfo.InvariantCulture)),
            MaxPollingInterval = TimeSpan.FromMilliseconds(100),
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(double.Parse(options["--session-seconds"], CultureInfo.InvariantCulture)),
            ExtendedSessionMinimumHistory = 0,
        });
        var pause = TimeSpan.FromMilliseconds(int.Parse(options["--pause-ms"], CultureInfo.InvariantCulture));
        await using var engine = await EngineHarness.StartAsync(DurableStore.From(store), new EffectLog(options["--effects"]), pause);
        Console.WriteLine("ready");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    public static Process Start(string storePath, string effectsPath, TimeSpan lockTimeout, TimeSpan activityPause, TimeSpan sessionIdleTimeout)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            typeof(EngineWorkerProcess).Assembly.Location, Verb, "--store", storePath, "--effects", effectsPath,
            "--lock-seconds", lockTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--pause-ms", ((int)activityPause.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "--session-seconds", sessionIdleTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker process");
        var ready = process.StandardOutput.ReadLine();
        return ready == "ready" ? process : throw new InvalidOperationException($"worker process did not start: {ready}");
    }
}
