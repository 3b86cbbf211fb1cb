using System.Runtime.InteropServices;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Cli;

/// <summary>
/// <c>run</c>: starts one run and carries it out in this process, with the same store and Glue backend as the
/// service, showing its progress; exit 0 when it succeeds, 1 when it fails or is terminated, 2 for usage errors.
/// </summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(string? configFile, RunRequest request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var (pipeline, entities, noWait, reason) = request;
        using var host = CliHost.Build(configFile, withWorker: !noWait, errors);
        if (host is null || !await CliHost.OpenStoreAsync(host, errors, cancellationToken))
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
            await errors.WriteLineAsync(ex.Message);
            return 2;
        }

        await output.WriteLineAsync($"started run {runId}");
        if (noWait)
        {
            return 0;
        }

        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; interrupted.Cancel(); });
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; interrupted.Cancel(); });
        cancellationToken = interrupted.Token;
        var view = new RunProgressView(output, interactive: output == Console.Out && !Console.IsOutputRedirected, host.Services.GetRequiredService<TimeProvider>());
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
            await errors.WriteLineAsync($"Stopped watching. Run {runId} is durable: it continues when a host runs (orchestrator serve).");
            return 1;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await errors.WriteLineAsync($"Stopped watching run {runId}: {ex.Message}. The run is durable: it continues when a host runs.");
            return 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}

/// <summary>What <c>run</c> was asked for: the pipeline, some entities (none: all), whether to wait, and why.</summary>
public sealed record RunRequest(string Pipeline, string[] Entities, bool NoWait, string? Reason);
