namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Wakes idle pollers at once when this process enqueues work; other processes' work is found by polling with
/// a back-off between the store's minimum and maximum intervals.
/// </summary>
internal sealed class WorkSignal
{
    TaskCompletionSource pulse = NewPulse();

    /// <summary>Wakes every current waiter.</summary>
    public void Set() => Interlocked.Exchange(ref pulse, NewPulse()).TrySetResult();

    /// <summary>Waits for <see cref="Set"/> or the delay; returns true when woken by a signal.</summary>
    public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var signaled = Volatile.Read(ref pulse).Task;
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
