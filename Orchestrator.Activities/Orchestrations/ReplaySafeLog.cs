using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

/// <summary>
/// Logging from orchestration code: silent while the orchestration replays (each event is logged once), and every
/// event carries the run, its pipeline and, for steps, the step.
/// </summary>
static class ReplaySafeLog
{
    public static void Write(ILogger logger, OrchestrationContext context, string runId, string? step, LogLevel level, string message, object?[] args)
    {
        if (context.IsReplaying || !logger.IsEnabled(level))
        {
            return;
        }

        var scope = new Dictionary<string, object> { ["RunId"] = runId, ["Pipeline"] = RunIds.PipelineOf(runId) };
        if (step is not null)
        {
            scope["Step"] = step;
        }

        using var _ = logger.BeginScope(scope);
#pragma warning disable CA2254 // The template is a constant at every call site.
        logger.Log(level, message, args);
#pragma warning restore CA2254
    }
}
