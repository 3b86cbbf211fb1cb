using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// Bulk load: finished instances written straight into the store, as a run that ended would have left them.
public sealed partial class SqliteOrchestrationService
{
    /// <summary>
    /// Writes <paramref name="instances"/> (finished ones only) with their history in one transaction, in the store's
    /// own formats (times, tags, history payloads), and returns how many were written. The sequence is read inside the
    /// transaction, so a caller may build it lazily. An instance id already in the store fails the whole import and
    /// nothing is written. Meant for seeding histories (benchmarks, rehearsals, tests), not for live work.
    /// </summary>
    public async Task<int> ImportFinishedAsync(IEnumerable<FinishedInstance> instances, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var now = Now;
        return await database.WriteAsync((connection, transaction) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO Instances (InstanceId, ExecutionId, Name, Version, RuntimeStatus, CreatedTime, LastUpdatedTime, CompletedTime, CustomStatus, Tags)
                VALUES (@i, @e, @n, @v, @s, @created, @completed, @completed, @status, @tags);
                INSERT INTO InstancePayloads (InstanceId, Input, Output) VALUES (@i, @in, @out);
                """;
            var parameters = new[] { "@i", "@e", "@n", "@v", "@s", "@created", "@completed", "@in", "@out", "@status", "@tags" }
                .Select(name => insert.Parameters.Add(new SqliteParameter { ParameterName = name }))
                .ToArray();
            insert.Prepare();

            var history = new MessageWriter(connection, transaction, now);
            var count = 0;
            foreach (var instance in instances)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!IsTerminal(instance.Status))
                {
                    throw new ArgumentException(
                        $"Instance '{instance.InstanceId}' has status {instance.Status}; only finished instances (Completed, Failed, Terminated, Canceled) can be imported.",
                        nameof(instances));
                }

                object?[] values =
                [
                    instance.InstanceId, instance.ExecutionId, instance.Name, instance.Version, instance.Status.ToString(),
                    SqliteTime.ToText(instance.CreatedTime), SqliteTime.ToText(instance.CompletedTime),
                    instance.Input, instance.Output, instance.CustomStatus,
                    instance.Tags is { Count: > 0 } tags ? System.Text.Json.JsonSerializer.Serialize(tags) : null,
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    parameters[i].Value = values[i] ?? DBNull.Value;
                }

                insert.ExecuteNonQuery();
                for (var sequence = 0; sequence < (instance.History?.Count ?? 0); sequence++)
                {
                    history.AddHistory(instance.InstanceId, instance.ExecutionId, sequence, instance.History![sequence], DurableTaskJson.Serialize(instance.History![sequence]));
                }

                count++;
            }

            return count;
        }, cancellationToken);
    }
}
