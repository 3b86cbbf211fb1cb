using DurableTask.Core;

namespace Orchestrator.Host.Scheduling;

/// <summary>Whether a pipeline's schedule is paused, who changed it and when.</summary>
public sealed record ScheduleState(bool Paused, DateTime ChangedAt, string? Reason);

/// <summary>
/// Keeps a pipeline's schedule state in the durable store, so pause and resume survive restarts and every replica
/// sees them: each change is a tiny instance <c>{pipeline}#schedule</c> whose input is the state. It completes at
/// once; only its input matters.
/// </summary>
public sealed class ScheduleStateOrchestration : TaskOrchestration<ScheduleState, ScheduleState>
{
    const string Suffix = "#schedule";

    public static string InstanceId(string pipeline) => pipeline + Suffix;

    public static bool IsStateInstance(string instanceId) => instanceId.EndsWith(Suffix, StringComparison.Ordinal);

    public override Task<ScheduleState> RunTask(OrchestrationContext context, ScheduleState input) => Task.FromResult(input);
}
