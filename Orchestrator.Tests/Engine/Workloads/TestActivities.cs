using System.Collections.Concurrent;
using DurableTask.Core;

namespace Orchestrator.Tests.Engine.Workloads;

/// <summary>Returns its input doubled, after recording the side effect and an optional pause.</summary>
public sealed class EffectActivity(EffectLog log, TimeSpan pause) : AsyncTaskActivity<int, int>
{
    protected override async Task<int> ExecuteAsync(TaskContext context, int input)
    {
        log.Record(input);
        if (pause > TimeSpan.Zero)
        {
            await Task.Delay(pause);
        }

        return input * 2;
    }
}

/// <summary>Fails until it has been called <c>FailTimes</c> times for a key, then returns the attempt number.</summary>
public sealed class FlakyActivity : TaskActivity<FlakyInput, int>
{
    static readonly ConcurrentDictionary<string, int> Attempts = new();

    public static int AttemptsFor(string key) => Attempts.GetValueOrDefault(key);

    protected override int Execute(TaskContext context, FlakyInput input)
    {
        var attempt = Attempts.AddOrUpdate(input.Key, 1, (_, n) => n + 1);
        return attempt <= input.FailTimes
            ? throw new InvalidOperationException($"attempt {attempt} of {input.Key} fails on purpose")
            : attempt;
    }
}

public sealed record FlakyInput(string Key, int FailTimes);

/// <summary>Takes a while, so a test can act while an activity is running.</summary>
public sealed class SlowActivity : AsyncTaskActivity<int, string>
{
    protected override async Task<string> ExecuteAsync(TaskContext context, int milliseconds)
    {
        await Task.Delay(milliseconds);
        return "slow done";
    }
}
