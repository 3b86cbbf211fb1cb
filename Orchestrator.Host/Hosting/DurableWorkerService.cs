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
public sealed partial class DurableWorkerService(
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
        LogStarted(logger, store.Description);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (worker is null || !IsRunning)
        {
            return;
        }

        IsRunning = false;
        var grace = options.Value.Worker.ShutdownGracePeriod;
        LogDraining(logger, grace);
        try
        {
            await worker.StopAsync(isForced: false).WaitAsync(grace, cancellationToken);
            LogDrained(logger);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogDrainTimedOut(logger, grace);
            await worker.StopAsync(isForced: true);
        }
    }

    public void Dispose() => worker?.Dispose();

    // Log events of the durable worker: EventIds 1200–1209.
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Durable worker started on {Store}")]
    static partial void LogStarted(ILogger logger, string store);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Draining the durable worker (grace period {GracePeriod})")]
    static partial void LogDraining(ILogger logger, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Durable worker drained")]
    static partial void LogDrained(ILogger logger);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "In-flight work did not finish within {GracePeriod}; it resumes on the next start")]
    static partial void LogDrainTimedOut(ILogger logger, TimeSpan gracePeriod);
}
