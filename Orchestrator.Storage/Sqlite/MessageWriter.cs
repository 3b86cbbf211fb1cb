using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Inserts messages and history rows inside one transaction, reusing one prepared statement per table:
/// a fan-out checkpoint writes thousands of rows.
/// </summary>
sealed class MessageWriter(SqliteConnection connection, SqliteTransaction transaction, DateTime now) : IDisposable
{
    readonly string nowText = SqliteTime.ToText(now);
    SqliteCommand? insertEvent;
    SqliteCommand? insertTask;
    SqliteCommand? insertHistory;

    public void AddEvent(TaskMessage message, DateTime? visibleTime = null)
    {
        insertEvent ??= Prepare(
            "INSERT INTO NewEvents (InstanceId, ExecutionId, EventType, VisibleTime, CreatedTime, Message) VALUES (@i, @e, @t, @v, @c, @m);",
            "@i", "@e", "@t", "@v", "@c", "@m");
        Run(insertEvent, message.OrchestrationInstance.InstanceId, message.OrchestrationInstance.ExecutionId,
            message.Event.EventType.ToString(), visibleTime is { } v && v > now ? SqliteTime.ToText(v) : nowText,
            nowText, DurableTaskJson.Serialize(message));
    }

    public void AddTask(TaskMessage message)
    {
        insertTask ??= Prepare(
            "INSERT INTO NewTasks (InstanceId, ExecutionId, Name, VisibleTime, CreatedTime, Message) VALUES (@i, @e, @n, @v, @c, @m);",
            "@i", "@e", "@n", "@v", "@c", "@m");
        Run(insertTask, message.OrchestrationInstance.InstanceId, message.OrchestrationInstance.ExecutionId,
            (message.Event as TaskScheduledEvent)?.Name, nowText, nowText, DurableTaskJson.Serialize(message));
    }

    public void AddHistory(string instanceId, string executionId, int sequenceNumber, HistoryEvent historyEvent)
    {
        insertHistory ??= Prepare(
            "INSERT INTO History (InstanceId, ExecutionId, SequenceNumber, EventType, Timestamp, Payload) VALUES (@i, @e, @s, @t, @ts, @p);",
            "@i", "@e", "@s", "@t", "@ts", "@p");
        Run(insertHistory, instanceId, executionId, sequenceNumber, historyEvent.EventType.ToString(),
            SqliteTime.ToText(historyEvent.Timestamp), DurableTaskJson.Serialize(historyEvent));
    }

    public void Dispose()
    {
        insertEvent?.Dispose();
        insertTask?.Dispose();
        insertHistory?.Dispose();
    }

    SqliteCommand Prepare(string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }
}
