using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// <c>engine --compare</c>: the engine workloads on our SQLite store (with and without extended sessions) and on its
/// peers, interleaved round by round, each run in a fresh worker process (<see cref="RaceWorker"/>) on a fresh store,
/// so each row's peak RSS is its own. Prints one table with each store's ratio to ours.
/// </summary>
static class PeerRace
{
    public const string Flag = "--compare";

    // Beyond the worker's own bounds (warm-up and workload, each options.Bound, then 60 s of read-back): start-up.
    static readonly TimeSpan WorkerSlack = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(string[] args)
    {
        if (RaceOptions.Parse(args, "engine") is not { } options)
        {
            return 2;
        }

        var providers = options.Providers.ToList();
        if (providers.Contains(RaceProvider.SqlServer) && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(RaceProvider.SqlServerVariable)))
        {
            Console.WriteLine($"{RaceProvider.SqlServer.Label}: not raced, {RaceProvider.SqlServerVariable} is not set (a SQL Server connection string)");
            providers.Remove(RaceProvider.SqlServer);
        }

        if (providers.Contains(RaceProvider.AzureStorage))
        {
            if (Azurite.MissingTools() is { } missing)
            {
                Console.Error.WriteLine($"engine {Flag}: {missing}");
                return 2;
            }

            await Azurite.InstallAsync(TimeSpan.FromMinutes(10));
        }

        Console.WriteLine($"load average before the race: {LoadAverage()}");
        Console.WriteLine(Invariant($"{options.Repetitions} round(s) after a warm-up in each worker ({string.Join(" and ", RaceWorkload.WarmUp.Select(w => w.Title))}); each workload bounded at {options.Bound.TotalSeconds:F0} s"));
        var results = new List<WorkloadResult>();
        var azuritePeaks = new List<double>();
        // Ctrl+C or SIGTERM ends the race early: the running worker and its Azurite are stopped, and the table shows
        // the runs done so far.
        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; interrupted.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; interrupted.Cancel(); });
        for (var round = 1; round <= options.Repetitions && !interrupted.IsCancellationRequested; round++)
        {
            foreach (var workload in options.Workloads.TakeWhile(_ => !interrupted.IsCancellationRequested))
            {
                // A different store goes first each round, so none always runs on the coolest machine.
                foreach (var provider in providers.Skip((round - 1) % providers.Count).Concat(providers.Take((round - 1) % providers.Count)))
                {
                    var result = await RunWorkerAsync(options, provider, workload, round, azuritePeaks, interrupted.Token);
                    if (interrupted.IsCancellationRequested)
                    {
                        break;
                    }

                    results.Add(result);
                    Console.WriteLine(Invariant($"  round {round}, {workload.Id}, {provider.Id}: {result.ActivitiesDone:N0}/{result.ActivitiesExpected:N0} activities in {result.Seconds:F1} s") + (result.Error is null ? "" : $" ({result.Error})"));
                }
            }
        }

        Console.WriteLine($"load average after the race: {LoadAverage()}{(interrupted.IsCancellationRequested ? " (interrupted: the table shows the runs done)" : "")}");
        RaceTable.Print(Console.Out, options, providers, results);
        if (azuritePeaks.Count > 0)
        {
            Console.WriteLine(Invariant($"Azurite's own peak RSS (a separate node process, not in the table): {azuritePeaks.Min():F0}–{azuritePeaks.Max():F0} MB"));
        }

        return 0;
    }

    static async Task<WorkloadResult> RunWorkerAsync(RaceOptions options, RaceProvider provider, RaceWorkload workload, int round, List<double> azuritePeaks, CancellationToken interrupted)
    {
        var directory = Directory.CreateTempSubdirectory("orchestrator-race-");
        Azurite? azurite = null;
        try
        {
            var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
            {
                start.ArgumentList.Add(typeof(PeerRace).Assembly.Location);
            }

            foreach (var argument in options.WorkerArguments(provider, workload, round, directory.FullName))
            {
                start.ArgumentList.Add(argument);
            }

            if (provider == RaceProvider.AzureStorage)
            {
                azurite = await Azurite.StartAsync(TimeSpan.FromMinutes(3));
                start.Environment[RaceProvider.AzureStorageVariable] = azurite.ConnectionString;
            }

            using var worker = Process.Start(start) ?? throw new InvalidOperationException("the worker did not start");
            var output = worker.StandardOutput.ReadToEndAsync();
            var errors = worker.StandardError.ReadToEndAsync();
            var limit = options.Bound * 2 + WorkerSlack;
            try
            {
                await worker.WaitForExitAsync(interrupted).WaitAsync(limit);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync(CancellationToken.None);
                return Failed(provider, workload, round, e is TimeoutException ? $"worker killed after {limit.TotalSeconds:F0} s without a result" : "interrupted");
            }

            var result = (await output).Split('\n').Select(WorkloadResult.FromLine).LastOrDefault(r => r is not null);
            return result ?? Failed(provider, workload, round, $"worker exited {worker.ExitCode} without a result: {Tail(await errors)}");
        }
        catch (InvalidOperationException e)
        {
            return Failed(provider, workload, round, e.Message);
        }
        finally
        {
            if (azurite is not null)
            {
                if (azurite.PeakRssMegabytes is { } peak)
                {
                    azuritePeaks.Add(peak);
                }

                await azurite.DisposeAsync();
            }

            directory.Delete(recursive: true);
        }
    }

    static WorkloadResult Failed(RaceProvider provider, RaceWorkload workload, int round, string error) =>
        new(provider.Id, workload.Id, round, workload.Activities, 0, workload.Orchestrations, 0, 0, null, null, null, error);

    static string Tail(string text) => text.Length <= 2000 ? text.Trim() : text[^2000..].Trim();

    static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
