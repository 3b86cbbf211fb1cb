using System.Runtime.InteropServices;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Cli;

/// <summary>
/// <c>run</c>: starts one run and carries it out in this process, with the same store and Glue backend as the
/// service, showing its progress; exit 0 when it succeeds, 1 when it fails or is terminated, 2 for usage errors.
/// </summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(string? configFile, string pipeline, string[] entities, bool noWait, string? reason, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(configFile, withWorker: !noWait);
        if (!await CliHost.PrepareAsync(host, Console.Error, cancellationToken))
        {
            return 2;
        }

        var runs = host.Services.GetRequiredService<RunService>();
        string runId;
        try
        {
            runId = await runs.StartAsync(pipeline, new StartRunRequest(entities, reason ?? "started from the command line"), cancellationToken);
        }
        catch (RunRequestException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        Console.WriteLine($"started run {runId}");
        if (noWait)
        {
            return 0;
        }

        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; interrupted.Cancel(); });
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; interrupted.Cancel(); });
        cancellationToken = interrupted.Token;
        var view = new RunProgressView(Console.Out, interactive: !Console.IsOutputRedirected, host.Services.GetRequiredService<TimeProvider>());
        try
        {
            await host.StartAsync(cancellationToken);
            while (true)
            {
                var run = await runs.GetAsync(runId, cancellationToken);
                if (run.Summary.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Terminated)
                {
                    view.Summary(run);
                    return run.Summary.Status == RunStatus.Succeeded ? 0 : 1;
                }

                view.Update(run);
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Stopped watching. Run {runId} is durable: it continues when a host runs (orchestrator serve).");
            return 1;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync($"Stopped watching run {runId}: {ex.Message}. The run is durable: it continues when a host runs.");
            return 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
