using System.Collections.Concurrent;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// Orchestration work items: lock an instance with visible messages, checkpoint its new history and
// outgoing messages in one transaction, or abandon it with back-off.
public sealed partial class SqliteOrchestrationService
{
    readonly ConcurrentQueue<LockedInstance> lockedInstances = new();

    public override Task<TaskOrchestrationWorkItem?> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        WatchDispatcherStop(cancellationToken);
        return PollAsync<TaskOrchestrationWorkItem>(orchestrationsSignal, TryLockNextOrchestrationAsync, receiveTimeout, cancellationToken);
    }

    async Task<(TaskOrchestrationWorkItem? Item, DateTime? NextVisible)> TryLockNextOrchestrationAsync()
    {
        if (!lockedInstances.TryDequeue(out var locked))
        {
            var now = Now;
            var lockedUntil = now + settings.WorkItemLockTimeout;
            // As many instances as the dispatcher has free slots, in one transaction: it asks again at once for
            // each free slot, and the others wait here with their locks renewed by the lease timer.
            var tokens = Enumerable.Range(0, Math.Clamp(settings.MaxConcurrentOrchestrations - Volatile.Read(ref orchestrationsInHand), 1, settings.MaxConcurrentOrchestrations))
                .Select(_ => NewLockToken()).ToList();
            var batch = await database.WriteAsync((connection, transaction) =>
                LockNextInstances(connection, transaction, now, lockedUntil, tokens), shutdown.Token);
            if (batch.Count == 0)
            {
                return (null, NextVisible("NewEvents", now));
            }

            foreach (var instance in batch)
            {
                heldLocks[instance.Token] = true;
            }

            foreach (var instance in batch.Skip(1))
            {
                lockedInstances.Enqueue(instance);
            }

            locked = batch[0];
        }

        var token = locked.Token;
        try
        {
            // The instance lock is ours: nobody else writes its history, so it is read outside the write transaction.
            var history = historyCache.TryGet(locked.InstanceId, locked.ExecutionId, locked.HistoryCount)
                ?? database.Read(connection => connection.Query(
                    "SELECT Payload FROM History WHERE InstanceId = @i AND ExecutionId = @e ORDER BY SequenceNumber;",
                    reader => DurableTaskJson.Deserialize<HistoryEvent>(reader.GetString(0)),
                    null, ("@i", locked.InstanceId), ("@e", locked.ExecutionId)));

            var workItem = new SqliteOrchestrationWorkItem
            {
                InstanceId = locked.InstanceId,
                OrchestrationRuntimeState = new OrchestrationRuntimeState(history),
                NewMessages = locked.Messages.Select(m => DurableTaskJson.Deserialize<TaskMessage>(m.Message)).ToList(),
                LockedUntilUtc = RenewedByLease,
                LockToken = token,
                DeliveredSequenceNumbers = locked.Messages.Select(m => m.SequenceNumber).ToList(),
                MaxDequeueCount = locked.Messages.Max(m => m.DequeueCount),
                Session = StartSession(locked.InstanceId, locked.HistoryCount),
            };
            OrchestrationHandedOut();
            return (workItem, null);
        }
        catch
        {
            // Nobody will ever complete a work item that was not handed out: give the lock back now.
            heldLocks.TryRemove(token, out _);
            await database.WriteAsync((connection, transaction) => Unlock(connection, transaction, locked.InstanceId, token));
            throw;
        }
    }

    /// <summary>Visible messages of instances whose lock is free or expired: what the next lock would take.</summary>
    const string ReadyMessages = """
        NewEvents e JOIN Instances i ON i.InstanceId = e.InstanceId
        WHERE e.VisibleTime <= @now AND (i.LockExpiration IS NULL OR i.LockExpiration < @now)
        """;

    /// <summary>
    /// Locks up to one instance with visible messages per token, in one transaction, longest visible message first.
    /// The candidates come from a walk of the visible-time index that stops at the n-th free instance (a kept
    /// statement), their history length from the history's key, their messages from one query, and one kept UPDATE
    /// locks each. The candidates were one GROUP BY over every visible message, sorted in a temporary B-tree at each
    /// lock: the store's costliest statement, 1.7 ms a lock with 500 runs in flight (docs/benchmarks.md, session 8).
    /// </summary>
    List<LockedInstance> LockNextInstances(SqliteConnection connection, SqliteTransaction transaction, DateTime now, DateTime lockedUntil, IReadOnlyList<string> tokens)
    {
        var nowText = SqliteTime.ToText(now);
        var untilText = SqliteTime.ToText(lockedUntil);
        var locked = new List<LockedInstance>(tokens.Count);
        var lockInstance = connection.Statement("UPDATE Instances SET LockedBy = @token, LockExpiration = @until WHERE InstanceId = @i;", transaction, "@token", "@until", "@i");
        // CROSS JOIN keeps NewEvents the outer loop, so rows come in index order and the walk can stop early.
        var ready = connection.Statement(
            """
            SELECT e.InstanceId, i.ExecutionId, i.RuntimeStatus FROM NewEvents e INDEXED BY IX_NewEvents_Visible
            CROSS JOIN Instances i ON i.InstanceId = e.InstanceId
            WHERE e.VisibleTime <= @now AND (i.LockExpiration IS NULL OR i.LockExpiration < @now)
            ORDER BY e.VisibleTime;
            """,
            transaction, "@now");
        var historyLength = connection.Statement(
            "SELECT COALESCE(MAX(SequenceNumber) + 1, 0) FROM History WHERE InstanceId = @i AND ExecutionId = @e;", transaction, "@i", "@e");
        // An instance whose messages all turn out stale is skipped (they are deleted), so look again for the rest.
        while (locked.Count < tokens.Count)
        {
            var wanted = tokens.Count - locked.Count;
            var candidates = new List<LockCandidate>(wanted);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            using (var reader = ready.ExecuteReaderWith(nowText))
            {
                while (candidates.Count < wanted && reader.Read())
                {
                    if (seen.Add(reader.GetString(0)))
                    {
                        candidates.Add(new LockCandidate(reader.GetString(0), reader.GetString(1), Enum.Parse<OrchestrationStatus>(reader.GetString(2)), 0));
                    }
                }
            }

            for (var c = 0; c < candidates.Count; c++)
            {
                using var reader = historyLength.ExecuteReaderWith(candidates[c].InstanceId, candidates[c].ExecutionId);
                reader.Read();
                candidates[c] = candidates[c] with { HistoryCount = reader.GetInt32(0) };
            }

            if (candidates.Count == 0)
            {
                break;
            }

            var messages = connection.Query(
                """
                SELECT InstanceId, SequenceNumber, ExecutionId, EventType, DequeueCount, Message FROM NewEvents
                WHERE InstanceId IN (SELECT value FROM json_each(@ids)) AND VisibleTime <= @now ORDER BY SequenceNumber;
                """,
                r => (InstanceId: r.GetString(0), Message: new PendingMessage(r.GetInt64(1), r.GetStringOrNull(2), r.GetString(3), r.GetInt32(4), r.GetString(5))),
                transaction, ("@ids", JsonSerializer.Serialize(candidates.Select(c => c.InstanceId))), ("@now", nowText))
                .ToLookup(m => m.InstanceId, m => m.Message, StringComparer.Ordinal);
            var stale = new List<PendingMessage>();
            foreach (var candidate in candidates)
            {
                var (deliver, staleHere) = SplitStale([.. messages[candidate.InstanceId]], candidate.ExecutionId, candidate.Status);
                if (staleHere.Count > 0)
                {
                    stale.AddRange(staleHere);
                    logger.StaleMessagesDropped(staleHere.Count, candidate.InstanceId);
                }

                if (deliver.Count > 0)
                {
                    var token = tokens[locked.Count];
                    lockInstance.Run(token, untilText, candidate.InstanceId);
                    locked.Add(new LockedInstance(candidate.InstanceId, candidate.ExecutionId, candidate.HistoryCount, deliver, token));
                }
            }

            if (stale.Count > 0)
            {
                DeleteEvents(connection, transaction, stale.Select(m => m.SequenceNumber));
            }
        }

        return locked;
    }

    sealed record LockCandidate(string InstanceId, string ExecutionId, OrchestrationStatus Status, int HistoryCount);

    /// <summary>Replies to an execution that ended (ContinueAsNew, terminate, completion) are dropped, not delivered.</summary>
    static (List<PendingMessage> Deliver, List<PendingMessage> Stale) SplitStale(IReadOnlyList<PendingMessage> messages, string executionId, OrchestrationStatus status)
    {
        var startsExecution = messages.Any(m => m.EventType == nameof(EventType.ExecutionStarted));
        var stale = messages.Where(m => m.EventType != nameof(EventType.ExecutionStarted)
            && ((IsTerminal(status) && !startsExecution) || (m.ExecutionId is not null && m.ExecutionId != executionId))).ToList();
        return (messages.Except(stale).ToList(), stale);
    }

    public override async Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem)
    {
        var item = (SqliteOrchestrationWorkItem)workItem;
        var lockedUntil = Now + settings.WorkItemLockTimeout;
        var renewed = await database.WriteAsync((connection, transaction) => connection.Execute(
            "UPDATE Instances SET LockExpiration = @until WHERE InstanceId = @i AND LockedBy = @token;", transaction,
            ("@until", SqliteTime.ToText(lockedUntil)), ("@i", item.InstanceId), ("@token", item.LockToken)));
        if (renewed == 0)
        {
            throw new InvalidOperationException($"The lock on orchestration '{item.InstanceId}' was lost: another worker took it over.");
        }
    }

    public override async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        // DurableTask.Core 3.x runs a ContinueAsNew's new execution in the same work item, so the runtime state
        // given here is already the new execution's and continuedAsNewMessage is always null.
        var item = (SqliteOrchestrationWorkItem)workItem;
        var now = Now;
        var runtimeState = newOrchestrationRuntimeState;
        // In a live extended session the instance stays locked (and in memory) for its next messages.
        var keepLock = item.Session is SqliteOrchestrationSession { Ended: false } && item.IsExtendedSession
            && orchestrationState is not null && !IsTerminal(orchestrationState.OrchestrationStatus);
        var lockedUntil = now + settings.WorkItemLockTimeout;
        // Serialized before taking the writer: other workers wait on it, and the transaction then only binds text.
        var newHistory = runtimeState.NewEvents.Select(e => (Event: e, Json: DurableTaskJson.Serialize(e))).ToList();
        var tasks = Serialized(outboundMessages);
        var events = Serialized(orchestratorMessages);
        var timers = Serialized(timerMessages);
        var claims = ClaimTokens(tasks.Count);
        IReadOnlyList<long> claimed;
        try
        {
            claimed = await database.WriteGroupedAsync((connection, transaction) => Checkpoint(connection, transaction));
        }
        catch
        {
            foreach (var token in claims)
            {
                heldLocks.TryRemove(token, out _);
            }

            throw;
        }

        IReadOnlyList<long> Checkpoint(SqliteConnection connection, SqliteTransaction transaction)
        {
            var stored = connection.Query("SELECT LockedBy, ExecutionId FROM Instances WHERE InstanceId = @i;",
                r => (LockedBy: r.GetStringOrNull(0), ExecutionId: r.GetString(1)), transaction, ("@i", item.InstanceId)).FirstOrDefault();
            if (stored.LockedBy != item.LockToken)
            {
                // Our lock expired and another worker has the instance: writing now would overwrite its work.
                throw new InvalidOperationException($"The lock on orchestration '{item.InstanceId}' was lost before its checkpoint; the work item is abandoned.");
            }

            DeleteEvents(connection, transaction, item.DeliveredSequenceNumbers);
            var writer = new MessageWriter(connection, transaction, now);
            if (orchestrationState is not null && runtimeState.OrchestrationInstance is { } instance)
            {
                if (instance.ExecutionId != stored.ExecutionId)
                {
                    // ContinueAsNew: the previous execution's history is finished and replaced.
                    connection.Execute("DELETE FROM History WHERE InstanceId = @i;", transaction, ("@i", item.InstanceId));
                }

                // Not PastEvents.Count: in a session the dispatcher only clears NewEvents between turns.
                var sequence = runtimeState.Events.Count - runtimeState.NewEvents.Count;
                foreach (var (historyEvent, json) in newHistory)
                {
                    writer.AddHistory(item.InstanceId, instance.ExecutionId, sequence++, historyEvent, json);
                }

                UpdateInstance(connection, transaction, instance.ExecutionId, instance.ExecutionId != stored.ExecutionId, orchestrationState, now,
                    keepLock ? item.LockToken : null, keepLock ? lockedUntil : null);
            }
            else
            {
                Unlock(connection, transaction, item.InstanceId, item.LockToken);
            }

            var claimedHere = new List<long>(claims.Count);
            var claimedUntil = SqliteTime.ToText(lockedUntil);
            foreach (var (message, json) in tasks)
            {
                if (claimedHere.Count < claims.Count)
                {
                    claimedHere.Add(writer.AddLockedTask(message, json, claims[claimedHere.Count], claimedUntil));
                }
                else
                {
                    writer.AddTask(message, json);
                }
            }

            foreach (var (message, json) in events)
            {
                if (message.Event is ExecutionStartedEvent started)
                {
                    PrepareInstanceForStart(connection, transaction, message.OrchestrationInstance, started, now, dedupeStatuses: null, failIfRunning: false);
                }
                else if (!InstanceExists(connection, transaction, message.OrchestrationInstance.InstanceId))
                {
                    // An event for an instance that does not exist would wait forever: nothing could ever lock it.
                    logger.MessageToMissingInstanceDropped(message.Event.EventType.ToString(), message.OrchestrationInstance.InstanceId);
                    continue;
                }

                writer.AddEvent(message, json);
            }

            foreach (var (message, json) in timers)
            {
                writer.AddEvent(message, json, (message.Event as TimerFiredEvent)?.FireAt);
            }

            return claimedHere;
        }

        for (var c = 0; c < claimed.Count; c++)
        {
            lockedActivities.Enqueue(ActivityWorkItem(claimed[c], tasks[c].Json, claims[c], dequeueCount: 1));
        }

        if (keepLock)
        {
            // The session covers what the history cache would: no copy of the history per turn.
            item.CheckpointedEventCount = runtimeState.Events.Count;
            historyCache.Remove(item.InstanceId);
        }
        else
        {
            item.Released = true;
            heldLocks.TryRemove(item.LockToken, out _);
            if (orchestrationState is null || IsTerminal(orchestrationState.OrchestrationStatus))
            {
                historyCache.Remove(item.InstanceId);
            }
            else
            {
                historyCache.Set(item.InstanceId, runtimeState.OrchestrationInstance!.ExecutionId, [.. runtimeState.Events]);
            }
        }

        if (outboundMessages?.Count > 0)
        {
            activitiesSignal.Set();
        }

        if (orchestratorMessages?.Count > 0 || timerMessages?.Count > 0)
        {
            MessagesEnqueued([.. orchestratorMessages ?? [], .. timerMessages ?? []]);
        }

        if (orchestrationState is not null && IsTerminal(orchestrationState.OrchestrationStatus))
        {
            completionsSignal.Set();
        }
    }

    /// <summary>
    /// Lock tokens for the tasks a checkpoint inserts already locked by this worker, as many as the in-memory queue of
    /// locked activities has room for (<see cref="SqliteOrchestrationServiceSettings.ActivityBatchSize"/>): the
    /// activity dispatcher of this process then takes them from memory without a lock transaction of its own (one of
    /// the 2.4 write transactions an activity cost). The rest stay free for any worker, so a fan-out is still shared
    /// with other processes. Registered as held before the write, so the lease timer renews them from the start.
    /// </summary>
    List<string> ClaimTokens(int taskCount)
    {
        var room = Math.Min(taskCount, ActivityBatch - lockedActivities.Count);
        if (room <= 0 || shutdown.IsCancellationRequested)
        {
            return [];
        }

        var tokens = Enumerable.Range(0, room).Select(_ => NewLockToken()).ToList();
        foreach (var token in tokens)
        {
            heldLocks[token] = true;
        }

        return tokens;
    }

    /// <summary>
    /// Writes the instance's state after a turn. Input and output live in their own table (schema 5), written only for
    /// a new execution or an output: a run's input (its pipeline of 1,000 entities) never changes within an execution,
    /// and in the instance's row SQLite rewrote it with every change of the custom status. Within an execution only the
    /// columns a turn can change are set: SQLite rewrites every index on a column an UPDATE sets, whatever its value,
    /// and the name, tags and parent (fixed per execution) sit in the listing indexes.
    /// </summary>
    static void UpdateInstance(SqliteConnection connection, SqliteTransaction transaction, string executionId, bool newExecution,
        OrchestrationState state, DateTime now, string? lockedBy, DateTime? lockedUntil)
    {
        (string Name, object? Value)[] turn =
        [
            ("@s", state.OrchestrationStatus.ToString()), ("@u", SqliteTime.ToText(now)),
            ("@c", IsTerminal(state.OrchestrationStatus) ? SqliteTime.ToText(now) : null),
            ("@cs", state.Status),
            ("@f", state.FailureDetails is null ? null : DurableTaskJson.Serialize(state.FailureDetails)),
            ("@lock", lockedBy), ("@until", lockedUntil is { } until ? SqliteTime.ToText(until) : null),
            ("@i", state.OrchestrationInstance.InstanceId),
        ];
        if (newExecution)
        {
            connection.Execute(
                """
                UPDATE Instances SET ExecutionId = @e, Name = @n, Version = @v, RuntimeStatus = @s, LastUpdatedTime = @u,
                    CompletedTime = @c, CustomStatus = @cs, FailureDetails = @f, Tags = @tags,
                    ParentInstanceId = @p, LockedBy = @lock, LockExpiration = @until
                WHERE InstanceId = @i;
                """,
                transaction,
                [.. turn, ("@e", executionId), ("@n", state.Name), ("@v", state.Version),
                    ("@tags", state.Tags is { Count: > 0 } ? JsonSerializer.Serialize(state.Tags) : null),
                    ("@p", state.ParentInstance?.OrchestrationInstance?.InstanceId)]);
        }
        else
        {
            connection.Execute(
                """
                UPDATE Instances SET RuntimeStatus = @s, LastUpdatedTime = @u, CompletedTime = @c, CustomStatus = @cs,
                    FailureDetails = @f, LockedBy = @lock, LockExpiration = @until
                WHERE InstanceId = @i;
                """,
                transaction, turn);
        }

        if (newExecution)
        {
            connection.Execute("INSERT OR REPLACE INTO InstancePayloads (InstanceId, Input, Output) VALUES (@i, @in, @out);", transaction,
                ("@i", state.OrchestrationInstance.InstanceId), ("@in", state.Input), ("@out", state.Output));
        }
        else if (state.Output is not null)
        {
            connection.Execute(
                "INSERT INTO InstancePayloads (InstanceId, Output) VALUES (@i, @out) ON CONFLICT (InstanceId) DO UPDATE SET Output = excluded.Output;",
                transaction, ("@i", state.OrchestrationInstance.InstanceId), ("@out", state.Output));
        }
    }

    public override async Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var item = (SqliteOrchestrationWorkItem)workItem;
        var visible = Now + AbandonDelay(item.MaxDequeueCount + 1);
        heldLocks.TryRemove(item.LockToken, out _);
        await database.WriteAsync((connection, transaction) =>
        {
            item.Released = true;
            if (Unlock(connection, transaction, item.InstanceId, item.LockToken) == 0)
            {
                return;
            }

            // Back-off grows with each failed delivery, so a message that always fails cannot spin.
            connection.Execute(
                "UPDATE NewEvents SET DequeueCount = DequeueCount + 1, VisibleTime = @v WHERE SequenceNumber IN (SELECT value FROM json_each(@ids));",
                transaction, ("@v", SqliteTime.ToText(visible)), ("@ids", JsonSerializer.Serialize(item.DeliveredSequenceNumbers)));
        });
        logger.OrchestrationAbandoned(item.InstanceId, visible);
    }

    public override Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var item = (SqliteOrchestrationWorkItem)workItem;
        if (!item.GivenBack)
        {
            item.GivenBack = true;
            OrchestrationGivenBack();
        }

        if (item.Session is SqliteOrchestrationSession session)
        {
            ForgetSession(session);
            var state = item.OrchestrationRuntimeState;
            if (!item.Released && item.CheckpointedEventCount == state.Events.Count && state.OrchestrationInstance?.ExecutionId is { } executionId)
            {
                // The session ends on a checkpointed state: the next turn, wherever it locks, starts from the cache.
                historyCache.Set(item.InstanceId, executionId, [.. state.Events]);
            }
        }

        if (item.Released)
        {
            return Task.CompletedTask;
        }

        // Frees the lock early; the token check leaves a lock another worker has taken since intact.
        item.Released = true;
        heldLocks.TryRemove(item.LockToken, out _);
        return database.WriteAsync((connection, transaction) => Unlock(connection, transaction, item.InstanceId, item.LockToken));
    }

    /// <summary>Releases the instance lock if <paramref name="token"/> still holds it; returns 1 when it did.</summary>
    static int Unlock(SqliteConnection connection, SqliteTransaction transaction, string instanceId, string token) =>
        connection.Execute("UPDATE Instances SET LockedBy = NULL, LockExpiration = NULL WHERE InstanceId = @i AND LockedBy = @token;",
            transaction, ("@i", instanceId), ("@token", token));


    static bool InstanceExists(SqliteConnection connection, SqliteTransaction transaction, string instanceId) =>
        connection.Scalar("SELECT 1 FROM Instances WHERE InstanceId = @i;", transaction, ("@i", instanceId)) is not null;

    static void DeleteEvents(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<long> sequenceNumbers) =>
        connection.Execute("DELETE FROM NewEvents WHERE SequenceNumber IN (SELECT value FROM json_each(@ids));", transaction,
            ("@ids", JsonSerializer.Serialize(sequenceNumbers)));

    static List<(TaskMessage Message, string Json)> Serialized(IList<TaskMessage>? messages) =>
        messages is null ? [] : messages.Select(m => (m, DurableTaskJson.Serialize(m))).ToList();

    sealed record PendingMessage(long SequenceNumber, string? ExecutionId, string EventType, int DequeueCount, string Message);

    sealed record LockedInstance(string InstanceId, string ExecutionId, int HistoryCount, IReadOnlyList<PendingMessage> Messages, string Token);
}
