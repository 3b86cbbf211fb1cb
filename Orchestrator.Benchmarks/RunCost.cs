using DurableTask.Core;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Benchmarks;

/// <summary>
/// What a pipeline run costs the engine, counted by dispatcher middleware: orchestration turns of the run and of its
/// steps, activities executed, and the bytes of custom status the run checkpoints (every turn rewrites it whole).
/// </summary>
sealed class RunCost
{
    int runTurns;
    int stepTurns;
    int activities;
    long runStatusBytes;
    int largestRunStatus;

    public int RunTurns => runTurns;

    public int StepTurns => stepTurns;

    public int Activities => activities;

    public long RunStatusBytes => Interlocked.Read(ref runStatusBytes);

    public int LargestRunStatus => largestRunStatus;

    public void Attach(TaskHubWorker worker)
    {
        worker.AddActivityDispatcherMiddleware(async (context, next) =>
        {
            await next();
            Interlocked.Increment(ref activities);
        });
        worker.AddOrchestrationDispatcherMiddleware(async (context, next) =>
        {
            await next();
            var instance = context.GetProperty<OrchestrationInstance>()?.InstanceId ?? string.Empty;
            if (RunIds.IsRun(instance))
            {
                Interlocked.Increment(ref runTurns);
                var status = context.GetProperty<OrchestratorExecutionResult>()?.CustomStatus?.Length ?? 0;
                Interlocked.Add(ref runStatusBytes, status);
                if (status > largestRunStatus)
                {
                    largestRunStatus = status;
                }
            }
            else
            {
                Interlocked.Increment(ref stepTurns);
            }
        });
    }
}
