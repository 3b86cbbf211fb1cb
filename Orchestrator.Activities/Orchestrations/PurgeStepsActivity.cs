using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Orchestrations;

public sealed record PurgeStepsRequest(string RunId, IReadOnlyList<string> StepInstanceIds);

/// <summary>
/// Removes a finished run's step sub-orchestrations: their outcomes, with every attempt, are in the run's result,
/// and keeping their polling histories would only slow down run listings.
/// </summary>
public sealed partial class PurgeStepsActivity(IOrchestrationServicePurgeClient purge, ILogger<PurgeStepsActivity> logger) : AsyncTaskActivity<PurgeStepsRequest, int>
{
    protected override async Task<int> ExecuteAsync(TaskContext context, PurgeStepsRequest input)
    {
        var purged = 0;
        foreach (var id in input.StepInstanceIds)
        {
            purged += (await purge.PurgeInstanceStateAsync(id)).DeletedInstanceCount;
        }

        LogPurged(logger, purged, input.RunId);
        return purged;
    }

    [LoggerMessage(EventId = 2060, Level = LogLevel.Debug, Message = "Purged {Count} step instances of {RunId}")]
    static partial void LogPurged(ILogger logger, int count, string runId);
}
