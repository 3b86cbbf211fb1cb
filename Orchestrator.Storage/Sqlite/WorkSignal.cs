namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Wakes idle pollers at once when this process enqueues work; other processes' work is found by polling with
/// a back-off between the store's minimum and maximum intervals.
/// </summary>
sealed class WorkSignal
{
    TaskCompletionSource pulse = NewPulse();

    /// <summary>Completes at the next <see cref="Set"/>. Take it before looking for work, so a signal raised while
    /// looking is not missed.</summary>
    public Task Next => Volatile.Read(ref pulse).Task;

    /// <summary>Wakes every current waiter.</summary>
    public void Set() => Interlocked.Exchange(ref pulse, NewPulse()).TrySetResult();

    /// <summary>Waits for <paramref name="signaled"/> (from <see cref="Next"/>) or the delay; returns true when signaled.</summary>
    public static async Task<bool> WaitAsync(Task signaled, TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (signaled.IsCompleted)
        {
            return true;
        }

        if (delay <= TimeSpan.Zero)
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sleep = Task.Delay(delay, timeProvider, timeout.Token);
        var first = await Task.WhenAny(signaled, sleep);
        await timeout.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return first == signaled;
    }

    static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
