using System.Runtime.InteropServices;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Cli;

/// <summary>
/// <c>run</c>: starts one run and carries it out in this process, with the same store and Glue backend as the
/// service, showing its progress; exit 0 when it succeeds, 1 when it fails or is terminated, 2 for usage errors.
/// An active run of the pipeline that no live process carries (its <c>run</c> was killed, no <c>serve</c> runs) is
/// taken over instead of refused: this process resumes it and reports it.
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

        var runs = host.Services.GetRequiredService<RunQueries>();
        string runId;
        try
        {
            var stranded = await StrandedRunAsync(host.Services, pipeline, noWait, cancellationToken);
            if (stranded is not null)
            {
                runId = stranded;
                await output.WriteLineAsync($"taking over run {runId}: it is still active but the process that carried it is gone; it resumes here");
            }
            else
            {
                runId = await host.Services.GetRequiredService<RunCommands>().StartAsync(pipeline, new StartRunRequest(entities, reason ?? "started from the command line"), cancellationToken);
                await output.WriteLineAsync($"started run {runId}");
            }
        }
        catch (RunRequestException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return 2;
        }

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
                if (run.Summary.Status.IsFinished())
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

    /// <summary>
    /// Under Overlap Skip, the active run of <paramref name="pipeline"/> that no live worker process carries, to take
    /// over; null when there is none (or the store cannot tell, as SQL Server). A run a live host carries is refused
    /// with that host named.
    /// </summary>
    static async Task<string?> StrandedRunAsync(IServiceProvider services, string pipeline, bool noWait, CancellationToken cancellationToken)
    {
        var definition = services.GetRequiredService<PipelineCatalog>().Find(pipeline);
        var workers = services.GetRequiredService<StoreConnection>().Store.Workers;
        if (definition is not { Overlap: OverlapPolicy.Skip } || workers is null)
        {
            return null;
        }

        var runs = services.GetRequiredService<RunQueries>();
        var active = await runs.ActiveRunsAsync(definition.Name, cancellationToken);
        if (active.Count == 0)
        {
            return null;
        }

        var run = active[0];
        var live = await workers.GetLiveWorkersAsync(cancellationToken);
        if (live.Count > 0)
        {
            var host = live[0];
            throw new RunRequestException(RunProblem.Conflict,
                $"Run '{run.RunId}' of pipeline '{definition.Name}' is still {run.Status}, carried by the live host on {host.MachineName} " +
                $"(process {host.ProcessId}, started {host.ProcessStartTime:u}) and the pipeline's Overlap policy is Skip: " +
                "wait for it, terminate it, or set Overlap to Queue or Allow.");
        }

        if (noWait)
        {
            throw new RunRequestException(RunProblem.Conflict,
                $"Run '{run.RunId}' of pipeline '{definition.Name}' is still {run.Status} but no live process carries it: " +
                $"run 'orchestrator run {definition.Name}' without --no-wait, or 'orchestrator serve', to resume it.");
        }

        return run.RunId;
    }
}

/// <summary>What <c>run</c> was asked for: the pipeline, some entities (none: all), whether to wait, and why.</summary>
public sealed record RunRequest(string Pipeline, string[] Entities, bool NoWait, string? Reason);
