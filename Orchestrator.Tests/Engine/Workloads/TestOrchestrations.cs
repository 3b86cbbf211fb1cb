using DurableTask.Core;

namespace Orchestrator.Tests.Engine.Workloads;

/// <summary>Calls <see cref="EffectActivity"/> for 1..n one after another; returns the results in order.</summary>
public sealed class SequenceOrchestration : TaskOrchestration<int[], int>
{
    public override async Task<int[]> RunTask(OrchestrationContext context, int input)
    {
        var results = new List<int>();
        for (var i = 1; i <= input; i++)
        {
            results.Add(await context.ScheduleTask<int>(typeof(EffectActivity), i));
        }

        return [.. results];
    }
}

/// <summary>Fans out <see cref="EffectActivity"/> for 1..n at once and sums the results.</summary>
public sealed class FanOutOrchestration : TaskOrchestration<long, int>
{
    public override async Task<long> RunTask(OrchestrationContext context, int input)
    {
        var tasks = Enumerable.Range(1, input).Select(i => context.ScheduleTask<int>(typeof(EffectActivity), i)).ToList();
        var results = await Task.WhenAll(tasks);
        return results.Sum(r => (long)r);
    }
}

/// <summary>Waits on a durable timer due at the given time; returns the orchestration time when it fired.</summary>
public sealed class TimerOrchestration : TaskOrchestration<DateTime, DateTime>
{
    public override async Task<DateTime> RunTask(OrchestrationContext context, DateTime input)
    {
        await context.CreateTimer(input, "due");
        return context.CurrentUtcDateTime;
    }
}

/// <summary>Calls <see cref="FlakyActivity"/> with DurableTask's retry options.</summary>
public sealed class RetryOrchestration : TaskOrchestration<int, RetryInput>
{
    public override Task<int> RunTask(OrchestrationContext context, RetryInput input) =>
        context.ScheduleWithRetry<int>(typeof(FlakyActivity), new RetryOptions(TimeSpan.FromMilliseconds(100), input.MaxAttempts), new FlakyInput(input.Key, input.FailTimes));
}

public sealed record RetryInput(string Key, int FailTimes, int MaxAttempts);

/// <summary>Starts <see cref="SequenceOrchestration"/> as a sub-orchestration and returns its sum.</summary>
public sealed class ParentOrchestration : TaskOrchestration<int, int>
{
    public override async Task<int> RunTask(OrchestrationContext context, int input)
    {
        var results = await context.CreateSubOrchestrationInstance<int[]>(typeof(SequenceOrchestration), $"{context.OrchestrationInstance.InstanceId}:child", input);
        return results.Sum();
    }
}

/// <summary>Counts to a target by calling an activity and continuing as new each time.</summary>
public sealed class CounterOrchestration : TaskOrchestration<int, CounterInput>
{
    public override async Task<int> RunTask(OrchestrationContext context, CounterInput input)
    {
        if (input.Count >= input.Target)
        {
            return input.Count;
        }

        await context.ScheduleTask<int>(typeof(EffectActivity), input.Count);
        context.ContinueAsNew(input with { Count = input.Count + 1 });
        return input.Count;
    }
}

public sealed record CounterInput(int Count, int Target);

/// <summary>Waits for the external event "approve" and returns its payload.</summary>
public sealed class ApprovalOrchestration : TaskOrchestration<string, string, string, string>
{
    TaskCompletionSource<string> approval = new();

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        approval = new TaskCompletionSource<string>();
        return $"{input}:{await approval.Task}";
    }

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == "approve")
        {
            approval.TrySetResult(input);
        }
    }
}

/// <summary>Calls <see cref="EffectActivity"/> n times one after another, says "waiting", then waits for "approve".</summary>
public sealed class StepsThenApprovalOrchestration : TaskOrchestration<string, int, string, string>
{
    readonly TaskCompletionSource<string> approval = new();
    string status = "working";

    public override async Task<string> RunTask(OrchestrationContext context, int input)
    {
        for (var i = 1; i <= input; i++)
        {
            await context.ScheduleTask<int>(typeof(EffectActivity), i);
        }

        status = "waiting";
        return $"{context.OrchestrationInstance.InstanceId}:{await approval.Task}";
    }

    public override string OnGetStatus() => status;

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == "approve")
        {
            approval.TrySetResult(input);
        }
    }
}

/// <summary>Runs one slow activity; used to terminate an instance while its activity is in flight.</summary>
public sealed class SlowOrchestration : TaskOrchestration<string, int>
{
    public override Task<string> RunTask(OrchestrationContext context, int input) =>
        context.ScheduleTask<string>(typeof(SlowActivity), input);
}

/// <summary>
/// Arms a timer due at the given time, cancels it and completes at once, as a run does with its deadline timer when
/// it ends first: the timer's message still reaches the finished instance later.
/// </summary>
public sealed class CancelledTimerOrchestration : TaskOrchestration<string, DateTime>
{
    public override async Task<string> RunTask(OrchestrationContext context, DateTime input)
    {
        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(input, "deadline", cancel.Token);
#pragma warning disable CA1849 // orchestration code never awaits real work
        cancel.Cancel();
#pragma warning restore CA1849
        await Task.Yield();
        return timer.IsCanceled ? "parent done" : "timer still armed";
    }
}
