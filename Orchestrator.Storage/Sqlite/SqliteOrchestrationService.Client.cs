using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// The client side: create instances (with dedupe), send events, terminate, wait and read state and history.
public sealed partial class SqliteOrchestrationService
{
    public override async Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[]? dedupeStatuses)
    {
        if (creationMessage.Event is not ExecutionStartedEvent started)
        {
            throw new ArgumentException("A creation message must carry an ExecutionStartedEvent.", nameof(creationMessage));
        }

        var now = Now;
        await database.WriteAsync((connection, transaction) =>
        {
            PrepareInstanceForStart(connection, transaction, creationMessage.OrchestrationInstance, started, now, dedupeStatuses, failIfRunning: true);
            var writer = new MessageWriter(connection, transaction, now);
            writer.AddEvent(creationMessage, started.ScheduledStartTime);
        });
        orchestrationsSignal.Set();
    }

    /// <summary>
    /// Makes the Instances row ready for a new execution: inserted when new, reset (old history and messages
    /// removed) when the previous one has finished. A live instance is never reset.
    /// </summary>
    static void PrepareInstanceForStart(
        SqliteConnection connection, SqliteTransaction transaction, OrchestrationInstance instance, ExecutionStartedEvent started,
        DateTime now, OrchestrationStatus[]? dedupeStatuses, bool failIfRunning)
    {
        var existing = connection.Scalar("SELECT RuntimeStatus FROM Instances WHERE InstanceId = @i;", transaction, ("@i", instance.InstanceId)) as string;
        if (existing is not null)
        {
            var status = Enum.Parse<OrchestrationStatus>(existing);
            var live = !IsTerminal(status);
            if ((live && failIfRunning) || dedupeStatuses?.Contains(status) == true)
            {
                throw new OrchestrationAlreadyExistsException($"An orchestration with instance id '{instance.InstanceId}' already exists with status {status}.");
            }

            if (live)
            {
                // A sub-orchestration start for a live instance: DurableTask.Core drops the duplicate start.
                return;
            }

            DeleteInstances(connection, transaction, [instance.InstanceId]);
        }

        var nowText = SqliteTime.ToText(now);
        connection.Execute(
            """
            INSERT INTO Instances (InstanceId, ExecutionId, Name, Version, RuntimeStatus, CreatedTime, LastUpdatedTime, ScheduledStartTime, Tags, ParentInstanceId)
            VALUES (@i, @e, @n, @v, @s, @now, @now, @sched, @tags, @p);
            INSERT OR REPLACE INTO InstancePayloads (InstanceId, Input) VALUES (@i, @in);
            """,
            transaction,
            ("@i", instance.InstanceId), ("@e", instance.ExecutionId), ("@n", started.Name), ("@v", started.Version),
            ("@s", nameof(OrchestrationStatus.Pending)), ("@now", nowText),
            ("@sched", started.ScheduledStartTime is { } at ? SqliteTime.ToText(at) : null), ("@in", started.Input),
            ("@tags", started.Tags is { Count: > 0 } ? System.Text.Json.JsonSerializer.Serialize(started.Tags) : null),
            ("@p", started.ParentInstance?.OrchestrationInstance?.InstanceId));
    }

    public override async Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        var starts = messages.Where(m => m.Event is ExecutionStartedEvent).ToList();
        foreach (var start in starts)
        {
            await CreateTaskOrchestrationAsync(start, dedupeStatuses: null);
        }

        var now = Now;
        var dropped = await database.WriteAsync((connection, transaction) =>
        {
            var writer = new MessageWriter(connection, transaction, now);
            var unknown = 0;
            foreach (var message in messages.Except(starts))
            {
                if (!InstanceExists(connection, transaction, message.OrchestrationInstance.InstanceId))
                {
                    unknown++;
                    continue;
                }

                writer.AddEvent(message, (message.Event as TimerFiredEvent)?.FireAt);
            }

            return unknown;
        });
        if (dropped > 0)
        {
            logger.MessagesToMissingInstancesDropped(dropped);
        }

        MessagesEnqueued(messages);
    }

    public override async Task ForceTerminateTaskOrchestrationAsync(string instanceId, string? reason)
    {
        var state = await GetOrchestrationStateAsync(instanceId, executionId: null);
        if (state is null || IsTerminal(state.OrchestrationStatus))
        {
            return;
        }

        // No execution id: the terminate must reach whatever execution is current when it is delivered, even one
        // that continued as new in the meantime.
        await SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionTerminatedEvent(-1, reason),
        });
    }

    public override async Task<OrchestrationState?> WaitForOrchestrationAsync(string instanceId, string? executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The execution id is not matched: ContinueAsNew carries the same logical run into new executions,
        // and a caller waiting on the first one wants the end of the chain.
        var deadline = Now + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var signaled = completionsSignal.Next;
            // Every completion in this process wakes every waiter: look at the status alone, and read the whole
            // state (a run's custom status can be hundreds of KB) only once it has ended.
            var status = database.Read(connection => connection.Scalar(
                "SELECT RuntimeStatus FROM Instances WHERE InstanceId = @i;", null, ("@i", instanceId))) as string;
            if (status is not null && IsTerminal(Enum.Parse<OrchestrationStatus>(status))
                && await GetOrchestrationStateAsync(instanceId, executionId: null) is { } state && IsTerminal(state.OrchestrationStatus))
            {
                return state;
            }

            var remaining = deadline - Now;
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            // Completions in this process wake us at once; another process's are found by polling.
            await WorkSignal.WaitAsync(signaled, Min(delay, remaining), settings.TimeProvider, cancellationToken);
            delay = Min(delay * 2, settings.MaxPollingInterval);
        }
    }

    public override Task<OrchestrationState?> GetOrchestrationStateAsync(string instanceId, string? executionId)
    {
        var state = database.Read(connection => connection.Query(
            $"SELECT {InstanceColumns(fetchInputsAndOutputs: true)} FROM Instances WHERE InstanceId = @i;", r => ReadState(r, fetchInputsAndOutputs: true),
            null, ("@i", instanceId)).FirstOrDefault());
        return Task.FromResult(state is not null && (executionId is null || state.OrchestrationInstance.ExecutionId == executionId) ? state : null);
    }

    public override Task<string> GetOrchestrationHistoryAsync(string instanceId, string? executionId)
    {
        var history = database.Read(connection => connection.Query(
            """
            SELECT h.Payload FROM History h JOIN Instances i ON i.InstanceId = h.InstanceId
            WHERE h.InstanceId = @i AND h.ExecutionId = COALESCE(@e, i.ExecutionId) ORDER BY h.SequenceNumber;
            """,
            r => DurableTaskJson.Deserialize<HistoryEvent>(r.GetString(0)), null, ("@i", instanceId), ("@e", executionId)));
        return Task.FromResult(DurableTaskJson.Serialize<IList<HistoryEvent>>(history));
    }

    /// <summary>The current execution's history events, oldest first (empty for an unknown instance).</summary>
    public Task<IReadOnlyList<HistoryEvent>> GetHistoryEventsAsync(string instanceId)
    {
        IReadOnlyList<HistoryEvent> history = database.Read(connection => connection.Query(
            "SELECT h.Payload FROM History h JOIN Instances i ON i.InstanceId = h.InstanceId AND i.ExecutionId = h.ExecutionId WHERE h.InstanceId = @i ORDER BY h.SequenceNumber;",
            r => DurableTaskJson.Deserialize<HistoryEvent>(r.GetString(0)), null, ("@i", instanceId)));
        return Task.FromResult(history);
    }

    /// <summary>Messages queued for an instance and not yet processed (including timers not yet due).</summary>
    public Task<IReadOnlyList<TaskMessage>> GetPendingMessagesAsync(string instanceId)
    {
        IReadOnlyList<TaskMessage> messages = database.Read(connection => connection.Query(
            "SELECT Message FROM NewEvents WHERE InstanceId = @i ORDER BY SequenceNumber;",
            r => DurableTaskJson.Deserialize<TaskMessage>(r.GetString(0)), null, ("@i", instanceId)));
        return Task.FromResult(messages);
    }

    /// <summary>What <see cref="ReadState"/> reads; input and output (schema 5's own table) only when asked for.</summary>
    static string InstanceColumns(bool fetchInputsAndOutputs) =>
        "InstanceId, ExecutionId, Name, Version, RuntimeStatus, CreatedTime, LastUpdatedTime, CompletedTime, ScheduledStartTime, "
        + (fetchInputsAndOutputs
            ? "(SELECT Input FROM InstancePayloads p WHERE p.InstanceId = Instances.InstanceId), (SELECT Output FROM InstancePayloads p WHERE p.InstanceId = Instances.InstanceId), "
            : "NULL, NULL, ")
        + "CustomStatus, FailureDetails, Tags, ParentInstanceId";

    static OrchestrationState ReadState(SqliteDataReader r, bool fetchInputsAndOutputs)
    {
        var tags = r.GetStringOrNull(13);
        var parent = r.GetStringOrNull(14);
        var failure = r.GetStringOrNull(12);
        return new OrchestrationState
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = r.GetString(0), ExecutionId = r.GetString(1) },
            Name = r.GetString(2),
            Version = r.GetStringOrNull(3),
            OrchestrationStatus = Enum.Parse<OrchestrationStatus>(r.GetString(4)),
            CreatedTime = SqliteTime.Parse(r.GetString(5)),
            LastUpdatedTime = SqliteTime.Parse(r.GetString(6)),
            CompletedTime = SqliteTime.ParseOrNull(r.GetStringOrNull(7)) ?? DateTime.MinValue,
            ScheduledStartTime = SqliteTime.ParseOrNull(r.GetStringOrNull(8)),
            Input = fetchInputsAndOutputs ? r.GetStringOrNull(9) : null,
            Output = fetchInputsAndOutputs ? r.GetStringOrNull(10) : null,
            Status = r.GetStringOrNull(11),
            FailureDetails = failure is null ? null : DurableTaskJson.Deserialize<FailureDetails>(failure),
            Tags = tags is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(tags),
            ParentInstance = parent is null ? null : new ParentInstance { OrchestrationInstance = new OrchestrationInstance { InstanceId = parent } },
        };
    }
}
