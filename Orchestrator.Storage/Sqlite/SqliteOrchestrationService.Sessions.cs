using System.Collections.Concurrent;
using DurableTask.Core;

namespace Orchestrator.Storage.Sqlite;

// Extended sessions: an orchestration work item keeps its instance locked and in memory between turns, for as long
// as new messages arrive within the idle window. The number kept is bounded; beyond it the least recently used idle
// session ends. A session never writes after losing its lock: the fetch looks at the owner, and the checkpoint
// checks it again in its own transaction.
public sealed partial class SqliteOrchestrationService
{
    readonly ConcurrentDictionary<string, SqliteOrchestrationSession> sessions = new(StringComparer.Ordinal);
    readonly Lock sessionsGate = new();

    // Set when this process enqueues work while every orchestration slot is taken: a waiting session may have to
    // give its slot up for it.
    readonly WorkSignal slotsWanted = new();
    int orchestrationsInHand;
    CancellationToken watchedDispatcherToken;
    CancellationTokenRegistration dispatcherStopping;

    /// <summary>How many orchestrations extended sessions hold in memory now.</summary>
    internal int ActiveSessionCount => sessions.Count;

    bool SessionsEnabled => settings.ExtendedSessionIdleTimeout > TimeSpan.Zero && settings.MaxExtendedSessions > 0;

    /// <summary>A session for a newly locked instance, evicting the least recently used idle one beyond the bound;
    /// null when sessions are off, the instance's history is too short to be worth one, or every session is busy in a
    /// turn (this work item then runs without one).</summary>
    SqliteOrchestrationSession? StartSession(string instanceId, int historyCount)
    {
        if (!SessionsEnabled || historyCount < settings.ExtendedSessionMinimumHistory)
        {
            return null;
        }

        lock (sessionsGate)
        {
            while (sessions.Count >= settings.MaxExtendedSessions)
            {
                var idlest = IdlestWaitingSession();
                if (idlest is null)
                {
                    return null;
                }

                sessions.TryRemove(new KeyValuePair<string, SqliteOrchestrationSession>(idlest.InstanceId, idlest));
                idlest.End();
                logger.SessionEvicted(idlest.InstanceId, settings.MaxExtendedSessions);
            }

            var session = new SqliteOrchestrationSession(this, instanceId, settings.TimeProvider.GetTimestamp());
            sessions[instanceId] = session;
            return session;
        }
    }

    /// <summary>The live session that has waited longest for messages; call under <c>sessionsGate</c>.</summary>
    SqliteOrchestrationSession? IdlestWaitingSession() =>
        sessions.Values.Where(s => s.Waiting && !s.Ended).MinBy(s => s.LastActive);

    internal void ForgetSession(SqliteOrchestrationSession session)
    {
        session.End();
        sessions.TryRemove(new KeyValuePair<string, SqliteOrchestrationSession>(session.InstanceId, session));
    }

    /// <summary>
    /// The dispatcher cancels the token it polls with when it stops: end every session then, so a graceful stop
    /// does not wait out the idle window of each.
    /// </summary>
    void WatchDispatcherStop(CancellationToken dispatcherToken)
    {
        if (!SessionsEnabled || !dispatcherToken.CanBeCanceled || dispatcherToken == watchedDispatcherToken)
        {
            return;
        }

        lock (sessionsGate)
        {
            if (dispatcherToken == watchedDispatcherToken)
            {
                return;
            }

            dispatcherStopping.Dispose();
            watchedDispatcherToken = dispatcherToken;
            dispatcherStopping = dispatcherToken.UnsafeRegister(_ => EndAllSessions(), null);
        }
    }

    void EndAllSessions()
    {
        foreach (var session in sessions.Values)
        {
            ForgetSession(session);
        }
    }

    /// <summary>Wakes the sessions of the instances these messages (just committed by this process) are for.</summary>
    void MessagesEnqueued(IEnumerable<TaskMessage> messages)
    {
        orchestrationsSignal.Set();
        if (sessions.IsEmpty)
        {
            return;
        }

        if (SlotsFull)
        {
            slotsWanted.Set();
        }

        foreach (var message in messages)
        {
            if (sessions.TryGetValue(message.OrchestrationInstance.InstanceId, out var session))
            {
                session.Signal.Set();
            }
        }
    }

    /// <summary>
    /// Waits for the locked instance's next visible messages: woken at once by this process's writes, polling with
    /// back-off for other processes' and waking exactly when a timer comes due. Null ends the session: idle for the
    /// window, evicted, shut down, or the lock lost.
    /// </summary>
    internal async Task<IList<TaskMessage>?> FetchSessionMessagesAsync(SqliteOrchestrationWorkItem item, SqliteOrchestrationSession session)
    {
        var deadline = Now + settings.ExtendedSessionIdleTimeout;
        var delay = settings.MinPollingInterval;
        // Messages that arrive while waiting are gathered for up to twice what the last turn cost (at most
        // 250 ms), so an orchestration with expensive turns (a run over 1,000 steps) takes completions in batches
        // instead of one turn each; cheap turns barely wait.
        var gather = Min(settings.TimeProvider.GetElapsedTime(session.TurnStarted) * GatherFactor, MaxGather);
        var waited = false;
        var waitStarted = settings.TimeProvider.GetTimestamp();
        session.Waiting = true;
        try
        {
            while (!session.Ended && !shutdown.IsCancellationRequested)
            {
                var signaled = Task.WhenAny(session.Signal.Next, slotsWanted.Next);
                var now = Now;
                var pending = ReadSessionMessages(item.InstanceId, now);
                if (pending.LockedBy != item.LockToken)
                {
                    // Our lock expired and another worker took the instance: its work is no longer ours to do.
                    logger.SessionLockLost(item.InstanceId);
                    return null;
                }

                // The checkpoint consumed the last turn's messages; never hand the same ones out twice.
                var fresh = pending.Messages.Where(m => !item.DeliveredSequenceNumbers.Contains(m.SequenceNumber)).ToList();
                var (deliver, stale) = SplitStale(fresh, pending.ExecutionId, pending.Status);
                if (stale.Count > 0)
                {
                    await database.WriteAsync((connection, transaction) => DeleteEvents(connection, transaction, stale.Select(m => m.SequenceNumber)));
                }

                if (deliver.Count > 0 && waited && gather >= MinGather)
                {
                    waited = false;
                    try
                    {
                        await Task.Delay(gather, settings.TimeProvider, shutdown.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                if (deliver.Count > 0)
                {
                    session.TurnStarted = settings.TimeProvider.GetTimestamp();
                    item.DeliveredSequenceNumbers = deliver.Select(m => m.SequenceNumber).ToList();
                    item.MaxDequeueCount = deliver.Max(m => m.DequeueCount);
                    return deliver.Select(m => DurableTaskJson.Deserialize<TaskMessage>(m.Message)).ToList();
                }

                if (deadline <= now)
                {
                    return null;
                }

                if (settings.TimeProvider.GetElapsedTime(waitStarted) >= MinWaitBeforeGivingWay && ShouldGiveWay(session, now))
                {
                    logger.SessionGaveWay(item.InstanceId);
                    return null;
                }

                var wait = Min(delay, deadline - now);
                if (pending.NextVisible is { } visible)
                {
                    wait = Min(wait, visible - now);
                }

                try
                {
                    var woken = await WorkSignal.WaitAsync(signaled, wait, settings.TimeProvider, shutdown.Token);
                    waited = true;
                    delay = woken ? settings.MinPollingInterval : Min(delay * 2, settings.MaxPollingInterval);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return null;
        }
        finally
        {
            session.Waiting = false;
        }
    }

    static readonly TimeSpan MinGather = TimeSpan.FromMilliseconds(2);
    static readonly TimeSpan MaxGather = TimeSpan.FromMilliseconds(250);

    // A session whose messages keep coming (a run taking its steps' completions every few ms) would give its slot up
    // only to need one again at once, and pay a replay of its whole history for it (87 ms for a 1,000-step run);
    // one waiting on a timer or an event lets the slot go after this.
    static readonly TimeSpan MinWaitBeforeGivingWay = TimeSpan.FromMilliseconds(250);
    // Twice, not four times (session 9): with the run's session kept, four times its turn held freed step slots empty
    // for up to 180 ms a turn, and a 1,000-entity run took 2.4-2.8 s instead of 1.7-1.8 s.
    const int GatherFactor = 2;

    /// <summary>Every orchestration slot of the dispatcher holds a work item of this process.</summary>
    bool SlotsFull => Volatile.Read(ref orchestrationsInHand) >= settings.MaxConcurrentOrchestrations;

    void OrchestrationHandedOut() => Interlocked.Increment(ref orchestrationsInHand);

    void OrchestrationGivenBack() => Interlocked.Decrement(ref orchestrationsInHand);

    /// <summary>
    /// A waiting session holds one of the dispatcher's orchestration slots. When every slot is taken and another
    /// instance has work ready, the session that has waited longest (and at least <see cref="MinWaitBeforeGivingWay"/>) ends, so many runs waiting on timers never starve
    /// the ones with work to do; its next turn starts from the history cache.
    /// </summary>
    bool ShouldGiveWay(SqliteOrchestrationSession session, DateTime now)
    {
        if (!SlotsFull)
        {
            return false;
        }

        lock (sessionsGate)
        {
            if (IdlestWaitingSession() != session)
            {
                return false;
            }
        }

        var nowText = SqliteTime.ToText(now);
        return database.Read(connection => connection.Scalar(
            $"SELECT 1 FROM {ReadyMessages} LIMIT 1;", null, ("@now", nowText))) is not null;
    }

    /// <summary>The instance's owner and visible messages, read without taking the writer: the lock keeps every
    /// other worker off them, and the checkpoint checks the lock again before deleting what it consumed.</summary>
    SessionMessages ReadSessionMessages(string instanceId, DateTime now)
    {
        var nowText = SqliteTime.ToText(now);
        return database.Read(connection =>
        {
            var instance = connection.Query(
                "SELECT LockedBy, ExecutionId, RuntimeStatus FROM Instances WHERE InstanceId = @i;",
                r => (LockedBy: r.GetStringOrNull(0), ExecutionId: r.GetString(1), Status: Enum.Parse<OrchestrationStatus>(r.GetString(2))),
                null, ("@i", instanceId)).FirstOrDefault();
            if (instance.LockedBy is null)
            {
                return new SessionMessages(null, string.Empty, OrchestrationStatus.Pending, [], null);
            }

            var messages = connection.Query(
                "SELECT SequenceNumber, ExecutionId, EventType, DequeueCount, Message FROM NewEvents WHERE InstanceId = @i AND VisibleTime <= @now ORDER BY SequenceNumber;",
                r => new PendingMessage(r.GetInt64(0), r.GetStringOrNull(1), r.GetString(2), r.GetInt32(3), r.GetString(4)),
                null, ("@i", instanceId), ("@now", nowText));
            var nextVisible = messages.Count > 0 ? null : SqliteTime.ParseOrNull(connection.Scalar(
                "SELECT MIN(VisibleTime) FROM NewEvents WHERE InstanceId = @i AND VisibleTime > @now;", null, ("@i", instanceId), ("@now", nowText)));
            return new SessionMessages(instance.LockedBy, instance.ExecutionId, instance.Status, messages, nextVisible);
        });
    }

    sealed record SessionMessages(string? LockedBy, string ExecutionId, OrchestrationStatus Status, IReadOnlyList<PendingMessage> Messages, DateTime? NextVisible);
}
