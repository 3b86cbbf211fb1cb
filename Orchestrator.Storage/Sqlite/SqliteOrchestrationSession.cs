using DurableTask.Core;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// An extended session: while it lives the dispatcher keeps the orchestration and its replay cursor in memory and
/// asks here for the instance's next messages, so a turn costs the new events instead of a replay of the whole
/// history. The instance stays locked meanwhile. It ends when idle for the configured window, when evicted (least
/// recently used beyond the bound), on shutdown, or when the lock turns out to be lost.
/// </summary>
sealed class SqliteOrchestrationSession(SqliteOrchestrationService service, string instanceId, long turnStarted) : IOrchestrationSession
{
    volatile bool ended;
    volatile bool waiting;
    long lastActive = Environment.TickCount64;

    public string InstanceId => instanceId;

    /// <summary>Set when this process enqueues a message for the instance, so the waiting fetch looks at once.</summary>
    public WorkSignal Signal { get; } = new();

    public bool Ended => ended;

    /// <summary>True while waiting for messages: only then may the session be evicted.</summary>
    public bool Waiting
    {
        get => waiting;
        set
        {
            waiting = value;
            Interlocked.Exchange(ref lastActive, Environment.TickCount64);
        }
    }

    public long LastActive => Interlocked.Read(ref lastActive);

    /// <summary>When the current turn began (a <see cref="TimeProvider"/> timestamp): the session's start, then each fetch that returned messages.</summary>
    public long TurnStarted { get; set; } = turnStarted;

    /// <summary>Makes the next (or current) fetch return null, which ends the session in the dispatcher.</summary>
    public void End()
    {
        ended = true;
        Signal.Set();
    }

    public Task<IList<TaskMessage>?> FetchNewOrchestrationMessagesAsync(TaskOrchestrationWorkItem workItem) =>
        service.FetchSessionMessagesAsync((SqliteOrchestrationWorkItem)workItem, this);

    public Task EndSessionAsync()
    {
        // The dispatcher releases the work item right after; that gives the lock back.
        service.ForgetSession(this);
        return Task.CompletedTask;
    }
}
