using Microsoft.Extensions.Options;
using Orchestrator.Activities.Changes;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Scheduling;

/// <summary>
/// Purges partition changes recorded longer ago than <c>Orchestrator:Changes:Retention</c>, every
/// <c>Orchestrator:Retention:Interval</c>: the feed keeps its own retention, independent of how long runs are kept.
/// </summary>
public sealed partial class ChangeRetentionService(
    PartitionChangeFeed feed,
    IOptions<OrchestratorOptions> options,
    TimeProvider time,
    ILogger<ChangeRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPurgeFailed(logger, ex);
            }

            await Task.Delay(options.Value.Retention.Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Purges the changes recorded before the cut-off; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.Changes.Retention;
        var cutoff = time.GetUtcNow().UtcDateTime - retention;
        var purged = await feed.PurgeAsync(cutoff, cancellationToken);
        if (purged > 0)
        {
            LogPurged(logger, purged, cutoff, retention);
        }

        return purged;
    }

    // Log events of the change feed's retention: EventIds 1170–1179.
    [LoggerMessage(EventId = 1170, Level = LogLevel.Error, Message = "Purging old partition changes failed; trying again later")]
    static partial void LogPurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1171, Level = LogLevel.Information, Message = "Purged {Count} partition changes recorded before {Cutoff:o} (retention {Retention})")]
    static partial void LogPurged(ILogger logger, int count, DateTime cutoff, TimeSpan retention);
}
