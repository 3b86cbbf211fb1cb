using DurableTask.Core;
using Microsoft.Extensions.Options;
using Orchestrator.Activities;
using Orchestrator.Host.Scheduling;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// Runs the DurableTask worker for the host's lifetime. On shutdown it stops taking work and lets in-flight work
/// items finish within the grace period; what is still running then is abandoned and picked up by the next start
/// (its locks expire), never lost.
/// </summary>
public sealed class DurableWorkerService(
    StoreConnection store,
    IServiceProvider services,
    IOptions<OrchestratorOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<DurableWorkerService> logger) : IHostedService, IDisposable
{
    TaskHubWorker? worker;

    public bool IsRunning { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        worker = new TaskHubWorker(store.Store.Service, loggerFactory);
        worker.AddPipelineOrchestrations(services);
        worker.AddTaskOrchestrations(typeof(ScheduleStateOrchestration));
        await worker.StartAsync();
        IsRunning = true;
        logger.LogInformation("Durable worker started on {Store}", store.Description);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (worker is null || !IsRunning)
        {
            return;
        }

        IsRunning = false;
        var grace = options.Value.Worker.ShutdownGracePeriod;
        logger.LogInformation("Draining the durable worker (grace period {GracePeriod})", grace);
        try
        {
            await worker.StopAsync(isForced: false).WaitAsync(grace, cancellationToken);
            logger.LogInformation("Durable worker drained");
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("In-flight work did not finish within {GracePeriod}; it resumes on the next start", grace);
            await worker.StopAsync(isForced: true);
        }
    }

    public void Dispose() => worker?.Dispose();
}
