using DurableTask.Core;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// Activity work items. Completing one deletes its task row and enqueues its result in the same transaction,
// and only while this worker still holds the lock: that is what makes an activity complete exactly once.
public sealed partial class SqliteOrchestrationService
{
    public override Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        PollAsync<TaskActivityWorkItem>(activitiesSignal, TryLockNextActivityAsync, receiveTimeout, cancellationToken);

    async Task<(TaskActivityWorkItem? Item, DateTime? NextVisible)> TryLockNextActivityAsync()
    {
        var now = Now;
        var lockedUntil = now + settings.WorkItemLockTimeout;
        var token = NewLockToken();
        var row = await database.WriteAsync((connection, transaction) => LockNextTask(connection, transaction, now, lockedUntil, token), shutdown.Token);
        if (row is null)
        {
            return (null, NextVisible("NewTasks", now));
        }

        heldLocks[token] = true;
        var workItem = new SqliteActivityWorkItem
        {
            Id = row.Value.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            SequenceNumber = row.Value.SequenceNumber,
            TaskMessage = DurableTaskJson.Deserialize<TaskMessage>(row.Value.Message),
            LockedUntilUtc = lockedUntil,
            LockToken = token,
            DequeueCount = row.Value.DequeueCount,
            DeliveryAttempt = row.Value.DequeueCount,
        };
        return (workItem, null);
    }

    static (long SequenceNumber, string Message, int DequeueCount)? LockNextTask(
        SqliteConnection connection, SqliteTransaction transaction, DateTime now, DateTime lockedUntil, string token)
    {
        var nowText = SqliteTime.ToText(now);
        while (true)
        {
            var candidate = connection.Query(
                """
                SELECT t.SequenceNumber, i.RuntimeStatus, i.ExecutionId, t.ExecutionId FROM NewTasks t
                LEFT JOIN Instances i ON i.InstanceId = t.InstanceId
                WHERE t.VisibleTime <= @now AND (t.LockExpiration IS NULL OR t.LockExpiration < @now)
                ORDER BY t.SequenceNumber LIMIT 1;
                """,
                r => (Sequence: r.GetInt64(0), Status: r.GetStringOrNull(1), InstanceExecution: r.GetStringOrNull(2), TaskExecution: r.GetStringOrNull(3)),
                transaction, ("@now", nowText)).FirstOrDefault();
            if (candidate.Sequence == 0)
            {
                return null;
            }

            // Work for an instance that is gone, finished or continued as new would be thrown away: skip it.
            if (candidate.Status is null
                || IsTerminal(Enum.Parse<OrchestrationStatus>(candidate.Status))
                || (candidate.TaskExecution is not null && candidate.TaskExecution != candidate.InstanceExecution))
            {
                connection.Execute("DELETE FROM NewTasks WHERE SequenceNumber = @s;", transaction, ("@s", candidate.Sequence));
                continue;
            }

            return connection.Query(
                "UPDATE NewTasks SET LockedBy = @token, LockExpiration = @until, DequeueCount = DequeueCount + 1 WHERE SequenceNumber = @s RETURNING SequenceNumber, Message, DequeueCount;",
                r => (r.GetInt64(0), r.GetString(1), r.GetInt32(2)),
                transaction, ("@token", token), ("@until", SqliteTime.ToText(lockedUntil)), ("@s", candidate.Sequence)).Single();
        }
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

        item.LockedUntilUtc = lockedUntil;
        return item;
    }

    public override async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        var item = (SqliteActivityWorkItem)workItem;
        var now = Now;
        heldLocks.TryRemove(item.LockToken, out _);
        var completed = await database.WriteAsync((connection, transaction) =>
        {
            if (connection.Execute("DELETE FROM NewTasks WHERE SequenceNumber = @s AND LockedBy = @token;", transaction,
                    ("@s", item.SequenceNumber), ("@token", item.LockToken)) == 0)
            {
                return false;
            }

            using var writer = new MessageWriter(connection, transaction, now);
            writer.AddEvent(responseMessage);
            return true;
        });

        if (completed)
        {
            orchestrationsSignal.Set();
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
}
