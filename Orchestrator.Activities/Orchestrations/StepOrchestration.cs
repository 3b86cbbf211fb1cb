using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

/// <summary>Events a run sends to its steps.</summary>
public static class StepEvents
{
    /// <summary>Sent when the run is terminated; its data is the reason. The step stops its Glue resource and ends Stopped.</summary>
    public const string Stop = "stop";
}

/// <summary>
/// What the crawler and job steps share: a "stop" event from the run (terminate), durable waits that a stop
/// interrupts, the step's outcome published as custom status, and replay-safe logging with the run and step.
/// </summary>
public abstract class StepOrchestration<TInput>(ILoggerFactory? loggerFactory) : TaskOrchestration<StepOutcome, TInput, string, StepOutcome>
{
    /// <summary>Polls per execution before continuing as new, so a long poll never bloats the history.</summary>
    public const int PollsPerExecution = 5;

    readonly TaskCompletionSource<string> stop = new();
    readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Orchestrator.Steps");
    StepOutcome? status;

    protected bool StopRequested => stop.Task.IsCompleted;

    protected string StopReason => stop.Task.IsCompleted ? stop.Task.Result : string.Empty;

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == StepEvents.Stop)
        {
            stop.TrySetResult(string.IsNullOrEmpty(input) ? "run terminated" : input);
        }
    }

    public override StepOutcome OnGetStatus() => status!;

    protected void Publish(StepOutcome outcome) => status = outcome;

    /// <summary>Publishes the step's final outcome and returns it.</summary>
    protected StepOutcome Finish(StepOutcome outcome)
    {
        Publish(outcome);
        return outcome;
    }

    /// <summary>The step as it stands: its finished attempts plus the one in flight; errors come from the last attempt.</summary>
    protected static StepOutcome Outcome(
        string id, StepKind kind, string name, string? resource, StepState state, DateTime startedAt, DateTime? endedAt,
        IReadOnlyList<AttemptRecord> finished, AttemptRecord? active)
    {
        AttemptRecord[] attempts = active is null ? [.. finished] : [.. finished, active];
        var last = attempts.LastOrDefault();
        var failed = state is not StepState.Succeeded;
        return new StepOutcome(id, kind, name, resource, state, startedAt, endedAt,
            failed ? last?.ErrorClass : null, failed ? last?.ErrorMessage : null, attempts);
    }

    /// <summary>Waits on a durable timer until <paramref name="fireAt"/>; returns true when a stop cut the wait short.</summary>
    protected async Task<bool> WaitUntilAsync(OrchestrationContext context, DateTime fireAt)
    {
        if (StopRequested)
        {
            return true;
        }

        if (fireAt <= context.CurrentUtcDateTime)
        {
            return false;
        }

        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(fireAt, true, cancel.Token);
        var first = await Task.WhenAny(timer, stop.Task);
        if (first == timer)
        {
            return false;
        }

        // Synchronous on purpose: orchestration code must never await real asynchronous work (CancelAsync would
        // resume outside the orchestration's turn and its decisions would be lost).
#pragma warning disable CA1849
        cancel.Cancel();
#pragma warning restore CA1849
        return true;
    }

    protected void Log(OrchestrationContext context, string runId, string step, Action<ILogger> write) =>
        ReplaySafeLog.Write(logger, context, runId, step, write);
}
