using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

/// <summary>
/// Logging from orchestration code: silent while the orchestration replays (each event is logged once), and every
/// event carries the run, its pipeline and, for steps, the step. The events are <see cref="OrchestrationLog"/>'s.
/// </summary>
static class ReplaySafeLog
{
    public static void Write(ILogger logger, OrchestrationContext context, string runId, string? step, Action<ILogger> write)
    {
        if (context.IsReplaying)
        {
            return;
        }

        var scope = new Dictionary<string, object> { ["RunId"] = runId, ["Pipeline"] = RunIds.PipelineOf(runId) };
        if (step is not null)
        {
            scope["Step"] = step;
        }

        using var _ = logger.BeginScope(scope);
        write(logger);
    }
}
