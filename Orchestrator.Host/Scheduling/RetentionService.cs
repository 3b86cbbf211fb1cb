using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Scheduling;

/// <summary>
/// Purges finished runs older than <c>Orchestrator:Retention:Days</c>, page after page until none is left, however
/// many there are. Schedule state instances are kept: they hold whether a schedule is paused. Partition changes have
/// their own retention (<c>Orchestrator:Changes:Retention</c>), purged in the same round.
/// </summary>
public sealed partial class RetentionService(
    IOrchestrationServiceQueryClient query,
    IOrchestrationServicePurgeClient purge,
    PartitionChangeFeed changes,
    IOptions<OrchestratorOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
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

            try
            {
                await PurgeChangesAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogChangePurgeFailed(logger, ex);
            }

            await Task.Delay(options.Value.Retention.Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Purges every finished instance created before the retention cut-off; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-options.Value.Retention.Days);
        var request = new OrchestrationQuery { CreatedTimeTo = cutoff, RuntimeStatus = [.. RunStatuses.Finished], PageSize = 500 };
        var total = 0;
        while (true)
        {
            var page = await query.GetOrchestrationWithQueryAsync(request, cancellationToken);
            var purged = 0;
            foreach (var id in page.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId).Where(id => !ScheduleStateOrchestration.IsStateInstance(id)))
            {
                purged += (await purge.PurgeInstanceStateAsync(id)).DeletedInstanceCount;
            }

            total += purged;
            // Deleting shifts offset-based pages, so start over after a purge; move on only past pages with nothing to purge.
            request.ContinuationToken = purged > 0 ? null : page.ContinuationToken;
            if (page.OrchestrationState.Count == 0 || (purged == 0 && page.ContinuationToken is null))
            {
                break;
            }
        }

        if (total > 0)
        {
            LogPurged(logger, total, cutoff, options.Value.Retention.Days);
        }

        return total;
    }

    /// <summary>Purges the partition changes recorded before the feed's own cut-off; returns how many.</summary>
    public async Task<int> PurgeChangesAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.Changes.Retention;
        var cutoff = time.GetUtcNow().UtcDateTime - retention;
        var purged = await changes.PurgeAsync(cutoff, cancellationToken);
        if (purged > 0)
        {
            LogChangesPurged(logger, purged, cutoff, retention);
        }

        return purged;
    }

    // Log events of retention: EventIds 1120–1129.
    [LoggerMessage(EventId = 1120, Level = LogLevel.Error, Message = "Purging old runs failed; trying again later")]
    static partial void LogPurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Information, Message = "Purged {Count} runs and steps finished before {Cutoff:o} (retention {Days} days)")]
    static partial void LogPurged(ILogger logger, int count, DateTime cutoff, int days);

    [LoggerMessage(EventId = 1122, Level = LogLevel.Error, Message = "Purging old partition changes failed; trying again later")]
    static partial void LogChangePurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1123, Level = LogLevel.Information, Message = "Purged {Count} partition changes recorded before {Cutoff:o} (retention {Retention})")]
    static partial void LogChangesPurged(ILogger logger, int count, DateTime cutoff, TimeSpan retention);
}
