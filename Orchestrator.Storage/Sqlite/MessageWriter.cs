using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Inserts messages and history rows inside one transaction with the writer's kept statements (one per table):
/// a fan-out checkpoint writes thousands of rows.
/// </summary>
sealed class MessageWriter(SqliteConnection connection, SqliteTransaction transaction, DateTime now)
{
    readonly string nowText = SqliteTime.ToText(now);
    SqliteCommand? insertEvent;
    SqliteCommand? insertTask;
    SqliteCommand? insertLockedTask;
    SqliteCommand? insertHistory;

    public void AddEvent(TaskMessage message, DateTime? visibleTime = null) =>
        AddEvent(message, DurableTaskJson.Serialize(message), visibleTime);

    /// <summary>A message serialized before the transaction began, so the writer is held for the insert alone.</summary>
    public void AddEvent(TaskMessage message, string json, DateTime? visibleTime = null)
    {
        insertEvent ??= connection.Statement(
            "INSERT INTO NewEvents (InstanceId, ExecutionId, EventType, VisibleTime, CreatedTime, Message) VALUES (@i, @e, @t, @v, @c, @m);",
            transaction, "@i", "@e", "@t", "@v", "@c", "@m");
        insertEvent.Run(message.OrchestrationInstance.InstanceId, message.OrchestrationInstance.ExecutionId,
            message.Event.EventType.ToString(), visibleTime is { } v && v > now ? SqliteTime.ToText(v) : nowText,
            nowText, json);
    }

    public void AddTask(TaskMessage message, string json)
    {
        insertTask ??= connection.Statement(
            "INSERT INTO NewTasks (InstanceId, ExecutionId, Name, VisibleTime, CreatedTime, Message) VALUES (@i, @e, @n, @v, @c, @m);",
            transaction, "@i", "@e", "@n", "@v", "@c", "@m");
        insertTask.Run(message.OrchestrationInstance.InstanceId, message.OrchestrationInstance.ExecutionId,
            (message.Event as TaskScheduledEvent)?.Name, nowText, nowText, json);
    }

    /// <summary>
    /// A task inserted already locked by <paramref name="lockToken"/> (its first delivery, as the activity lock would
    /// count it); returns its sequence number, the activity work item's id.
    /// </summary>
    public long AddLockedTask(TaskMessage message, string json, string lockToken, string lockedUntil)
    {
        insertLockedTask ??= connection.Statement(
            """
            INSERT INTO NewTasks (InstanceId, ExecutionId, Name, VisibleTime, CreatedTime, Message, LockedBy, LockExpiration, DequeueCount)
            VALUES (@i, @e, @n, @v, @c, @m, @lock, @until, 1) RETURNING SequenceNumber;
            """,
            transaction, "@i", "@e", "@n", "@v", "@c", "@m", "@lock", "@until");
        using var reader = insertLockedTask.ExecuteReaderWith(message.OrchestrationInstance.InstanceId, message.OrchestrationInstance.ExecutionId,
            (message.Event as TaskScheduledEvent)?.Name, nowText, nowText, json, lockToken, lockedUntil);
        reader.Read();
        return reader.GetInt64(0);
    }

    public void AddHistory(string instanceId, string executionId, int sequenceNumber, HistoryEvent historyEvent, string json)
    {
        insertHistory ??= connection.Statement(
            "INSERT INTO History (InstanceId, ExecutionId, SequenceNumber, EventType, Timestamp, Payload) VALUES (@i, @e, @s, @t, @ts, @p);",
            transaction, "@i", "@e", "@s", "@t", "@ts", "@p");
        insertHistory.Run(instanceId, executionId, sequenceNumber, historyEvent.EventType.ToString(),
            SqliteTime.ToText(historyEvent.Timestamp), json);
    }
}
