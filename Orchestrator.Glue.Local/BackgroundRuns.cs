using System.Collections.Concurrent;

namespace Orchestrator.Glue.Local;

/// <summary>The two ways in-process work is asked to end: a stop request for it, or the backend shutting down.</summary>
readonly record struct RunSignals(CancellationToken Stop, CancellationToken Shutdown);

/// <summary>
/// Job runs and crawls executing in this process, each with its own stop switch, all ended together on shutdown.
/// </summary>
sealed class BackgroundRuns : IDisposable
{
    readonly ConcurrentDictionary<string, (CancellationTokenSource Stop, Task Work)> running =
        new(StringComparer.Ordinal);
    readonly CancellationTokenSource shutdown = new();

    public bool IsShuttingDown => shutdown.IsCancellationRequested;

    public void Start(string key, Func<RunSignals, Task> work)
    {
        ObjectDisposedException.ThrowIf(IsShuttingDown, this);
        var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await started.Task;
            try
            {
                await work(new RunSignals(stop.Token, shutdown.Token));
            }
            finally
            {
                running.TryRemove(key, out _);
                stop.Dispose();
            }
        });
        running[key] = (stop, task);
        started.SetResult();
    }

    /// <summary>Asks the work under <paramref name="key"/> to stop; false if it does not run here.</summary>
    public bool TryStop(string key)
    {
        if (!running.TryGetValue(key, out var entry))
        {
            return false;
        }

        try
        {
            entry.Stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It finished meanwhile.
        }

        return true;
    }

    /// <summary>Signals shutdown to all work and waits until it has ended.</summary>
    public async Task DrainAsync()
    {
        await shutdown.CancelAsync();
        await Task.WhenAll(running.Values.Select(r => r.Work));
    }

    public void Dispose() => shutdown.Dispose();
}
