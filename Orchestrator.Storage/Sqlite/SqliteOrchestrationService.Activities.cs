using System.Collections.Concurrent;
using DurableTask.Core;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// Activity work items. Completing one deletes its task row and enqueues its result in the same transaction,
// and only while this worker still holds the lock: that is what makes an activity complete exactly once.
public sealed partial class SqliteOrchestrationService
{
    readonly ConcurrentQueue<SqliteActivityWorkItem> lockedActivities = new();

    public override Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        PollAsync<TaskActivityWorkItem>(activitiesSignal, TryLockNextActivityAsync, receiveTimeout, cancellationToken);

    async Task<(TaskActivityWorkItem? Item, DateTime? NextVisible)> TryLockNextActivityAsync()
    {
        if (lockedActivities.TryDequeue(out var waiting))
        {
            return (waiting, null);
        }

        var now = Now;
        // Most polls find nothing: a checkpoint of this process hands the tasks it schedules over in memory. A read
        // beside the writer says so without a write transaction (they were ~40% of the writes of many short runs);
        // the lock looks again inside its transaction.
        if (!database.Read(connection => connection.Scalar(
                "SELECT 1 FROM NewTasks WHERE VisibleTime <= @now AND (LockExpiration IS NULL OR LockExpiration < @now) LIMIT 1;",
                null, ("@now", SqliteTime.ToText(now))) is not null))
        {
            return (null, NextVisible("NewTasks", now));
        }

        var lockedUntil = now + settings.WorkItemLockTimeout;
        var tokens = Enumerable.Range(0, ActivityBatch).Select(_ => NewLockToken()).ToList();
        var rows = await database.WriteAsync((connection, transaction) => LockNextTasks(connection, transaction, now, lockedUntil, tokens), shutdown.Token);
        if (rows.Count == 0)
        {
            return (null, NextVisible("NewTasks", now));
        }

        var items = rows.Select(row => ActivityWorkItem(row.SequenceNumber, row.Message, row.Token, row.DequeueCount)).ToList();
        foreach (var item in items)
        {
            heldLocks[item.LockToken] = true;
        }

        // The rest wait here for the dispatcher's next calls; the lease timer renews their locks meanwhile.
        foreach (var item in items.Skip(1))
        {
            lockedActivities.Enqueue(item);
        }

        return (items[0], null);
    }

    /// <summary>Locks up to one visible task per token, oldest first, in one transaction.</summary>
    static List<LockedTask> LockNextTasks(SqliteConnection connection, SqliteTransaction transaction, DateTime now, DateTime lockedUntil, IReadOnlyList<string> tokens)
    {
        var nowText = SqliteTime.ToText(now);
        var locked = new List<LockedTask>(tokens.Count);
        var lockTask = connection.Statement(
            "UPDATE NewTasks SET LockedBy = @token, LockExpiration = @until, DequeueCount = DequeueCount + 1 WHERE SequenceNumber = @s RETURNING Message, DequeueCount;",
            transaction, "@token", "@until", "@s");
        var dropTask = connection.Statement("DELETE FROM NewTasks WHERE SequenceNumber = @s;", transaction, "@s");
        while (locked.Count < tokens.Count)
        {
            var candidates = connection.Query(
                """
                SELECT t.SequenceNumber, i.RuntimeStatus, i.ExecutionId, t.ExecutionId FROM NewTasks t
                LEFT JOIN Instances i ON i.InstanceId = t.InstanceId
                WHERE t.VisibleTime <= @now AND (t.LockExpiration IS NULL OR t.LockExpiration < @now)
                ORDER BY t.SequenceNumber LIMIT @n;
                """,
                r => (Sequence: r.GetInt64(0), Status: r.GetStringOrNull(1), InstanceExecution: r.GetStringOrNull(2), TaskExecution: r.GetStringOrNull(3)),
                transaction, ("@now", nowText), ("@n", tokens.Count - locked.Count));
            if (candidates.Count == 0)
            {
                return locked;
            }

            foreach (var candidate in candidates)
            {
                // Work for an instance that is gone, finished or continued as new would be thrown away: drop it.
                if (candidate.Status is null
                    || IsTerminal(Enum.Parse<OrchestrationStatus>(candidate.Status))
                    || (candidate.TaskExecution is not null && candidate.TaskExecution != candidate.InstanceExecution))
                {
                    dropTask.Run(candidate.Sequence);
                    continue;
                }

                var token = tokens[locked.Count];
                using var reader = lockTask.ExecuteReaderWith(token, SqliteTime.ToText(lockedUntil), candidate.Sequence);
                reader.Read();
                locked.Add(new LockedTask(candidate.Sequence, reader.GetString(0), reader.GetInt32(1), token));
            }
        }

        return locked;
    }

    public override async Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem)
    {
        var item = (SqliteActivityWorkItem)workItem;
        var lockedUntil = Now + settings.WorkItemLockTimeout;
        var renewed = await database.WriteAsync((connection, transaction) => connection.Execute(
            "UPDATE NewTasks SET LockExpiration = @until WHERE SequenceNumber = @s AND LockedBy = @token;", transaction,
            ("@until", SqliteTime.ToText(lockedUntil)), ("@s", item.SequenceNumber), ("@token", item.LockToken)));
        if (renewed == 0)
        {
            throw new InvalidOperationException($"The lock on activity work item {item.Id} was lost: another worker took it over.");
        }

        return item;
    }

    public override async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        var item = (SqliteActivityWorkItem)workItem;
        heldLocks.TryRemove(item.LockToken, out _);
        var json = DurableTaskJson.Serialize(responseMessage);
        var now = Now;
        var completed = await database.WriteGroupedAsync((connection, transaction) =>
        {
            // Only while this worker still holds the lock: that makes a completion count exactly once.
            if (connection.Execute("DELETE FROM NewTasks WHERE SequenceNumber = @s AND LockedBy = @token;", transaction,
                    ("@s", item.SequenceNumber), ("@token", item.LockToken)) == 0)
            {
                return false;
            }

            var writer = new MessageWriter(connection, transaction, now);
            writer.AddEvent(responseMessage, json);
            return true;
        });
        if (completed)
        {
            MessagesEnqueued([responseMessage]);
        }
        else
        {
            // Another worker took the expired lock and will complete (or has completed) this activity.
            logger.ActivityResultDropped(item.Id, item.TaskMessage.OrchestrationInstance.InstanceId);
        }
    }

    public override async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        var item = (SqliteActivityWorkItem)workItem;
        var visible = Now + AbandonDelay(item.DequeueCount);
        heldLocks.TryRemove(item.LockToken, out _);
        await database.WriteAsync((connection, transaction) => connection.Execute(
            "UPDATE NewTasks SET LockedBy = NULL, LockExpiration = NULL, VisibleTime = @v WHERE SequenceNumber = @s AND LockedBy = @token;",
            transaction, ("@v", SqliteTime.ToText(visible)), ("@s", item.SequenceNumber), ("@token", item.LockToken)));
        logger.ActivityAbandoned(item.Id, visible);
    }

    sealed record LockedTask(long SequenceNumber, string Message, int DequeueCount, string Token);

    /// <summary>Activity work items locked per transaction, and the most a checkpoint hands over in memory.</summary>
    int ActivityBatch => Math.Clamp(settings.ActivityBatchSize, 1, settings.MaxConcurrentActivities);

    /// <summary>A locked task as DurableTask.Core's activity dispatcher takes it: by the lock or from a checkpoint.</summary>
    static SqliteActivityWorkItem ActivityWorkItem(long sequenceNumber, string message, string lockToken, int dequeueCount) => new()
    {
        Id = sequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SequenceNumber = sequenceNumber,
        TaskMessage = DurableTaskJson.Deserialize<TaskMessage>(message),
        LockedUntilUtc = RenewedByLease,
        LockToken = lockToken,
        DequeueCount = dequeueCount,
        DeliveryAttempt = dequeueCount,
    };
}
