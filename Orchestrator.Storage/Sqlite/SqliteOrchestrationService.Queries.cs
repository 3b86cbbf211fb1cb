using System.Text;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// Queries for dashboards (newest first, keyset paging) and purge, which deletes finished instances in batches
// so a large purge never holds the single writer for long.
public sealed partial class SqliteOrchestrationService
{
    static readonly OrchestrationStatus[] TerminalStatuses =
        [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled];

    public override Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = query.PageSize > 0 ? query.PageSize : 100;
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.RuntimeStatus is { Count: > 0 } statuses)
        {
            where.Add("RuntimeStatus IN (SELECT value FROM json_each(@statuses))");
            parameters.Add(("@statuses", JsonSerializer.Serialize(statuses.Select(s => s.ToString()))));
        }

        if (query.CreatedTimeFrom is { } from)
        {
            where.Add("CreatedTime >= @from");
            parameters.Add(("@from", SqliteTime.ToText(from)));
        }

        if (query.CreatedTimeTo is { } to)
        {
            where.Add("CreatedTime <= @to");
            parameters.Add(("@to", SqliteTime.ToText(to)));
        }

        if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
        {
            where.Add("substr(InstanceId, 1, length(@prefix)) = @prefix");
            parameters.Add(("@prefix", query.InstanceIdPrefix));
        }

        if (ContinuationToken.TryParse(query.ContinuationToken, out var after))
        {
            where.Add("(CreatedTime < @afterTime OR (CreatedTime = @afterTime AND InstanceId < @afterId))");
            parameters.Add(("@afterTime", after.CreatedTime));
            parameters.Add(("@afterId", after.InstanceId));
        }

        var sql = new StringBuilder($"SELECT {InstanceColumns} FROM Instances");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        sql.Append(" ORDER BY CreatedTime DESC, InstanceId DESC LIMIT @limit;");
        parameters.Add(("@limit", pageSize + 1));

        var rows = database.Read(connection => connection.Query(sql.ToString(), r => ReadState(r, query.FetchInputsAndOutputs), null, [.. parameters]));
        string? next = null;
        if (rows.Count > pageSize)
        {
            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            next = new ContinuationToken(SqliteTime.ToText(last.CreatedTime), last.OrchestrationInstance.InstanceId).ToString();
        }

        return Task.FromResult(new OrchestrationQueryResult(rows, next));
    }

    public override async Task<PurgeResult> PurgeInstanceStateAsync(string instanceId)
    {
        var deleted = await database.WriteAsync((connection, transaction) =>
        {
            var status = connection.Scalar("SELECT RuntimeStatus FROM Instances WHERE InstanceId = @i;", transaction, ("@i", instanceId)) as string;
            // A live instance is never purged: its worker would lose the ground under its feet.
            return status is not null && IsTerminal(Enum.Parse<OrchestrationStatus>(status))
                ? DeleteInstances(connection, transaction, [instanceId])
                : 0;
        });
        return new PurgeResult(deleted);
    }

    public override Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter)
    {
        ArgumentNullException.ThrowIfNull(purgeInstanceFilter);
        var statuses = purgeInstanceFilter.RuntimeStatus?.Any() == true
            ? TerminalStatuses.Intersect(purgeInstanceFilter.RuntimeStatus).ToArray()
            : TerminalStatuses;
        var where = "CreatedTime >= @from" + (purgeInstanceFilter.CreatedTimeTo is null ? string.Empty : " AND CreatedTime <= @to");
        return PurgeWhereAsync(where, statuses, purgeInstanceFilter.Timeout,
            ("@from", SqliteTime.ToText(purgeInstanceFilter.CreatedTimeFrom)),
            ("@to", purgeInstanceFilter.CreatedTimeTo is { } to ? SqliteTime.ToText(to) : null));
    }

    public override Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType)
    {
        var column = timeRangeFilterType switch
        {
            OrchestrationStateTimeRangeFilterType.OrchestrationCreatedTimeFilter => "CreatedTime",
            OrchestrationStateTimeRangeFilterType.OrchestrationCompletedTimeFilter => "CompletedTime",
            _ => "LastUpdatedTime",
        };
        return PurgeWhereAsync($"{column} < @threshold", TerminalStatuses, timeout: null, ("@threshold", SqliteTime.ToText(thresholdDateTimeUtc)));
    }

    /// <summary>Purges finished instances matching <paramref name="where"/>, one batch per transaction, until none are left.</summary>
    async Task<PurgeResult> PurgeWhereAsync(string where, OrchestrationStatus[] statuses, TimeSpan? timeout, params (string, object?)[] parameters)
    {
        var started = settings.TimeProvider.GetTimestamp();
        var total = 0;
        var sql = $"SELECT InstanceId FROM Instances WHERE RuntimeStatus IN (SELECT value FROM json_each(@statuses)) AND {where} LIMIT @batch;";
        (string, object?)[] all = [.. parameters, ("@statuses", JsonSerializer.Serialize(statuses.Select(s => s.ToString()))), ("@batch", settings.PurgeBatchSize)];
        while (true)
        {
            var deleted = await database.WriteAsync((connection, transaction) =>
                DeleteInstances(connection, transaction, connection.Query(sql, r => r.GetString(0), transaction, all)));
            total += deleted;
            if (deleted < settings.PurgeBatchSize)
            {
                return new PurgeResult(total, isComplete: true);
            }

            if (timeout is { } limit && settings.TimeProvider.GetElapsedTime(started) > limit)
            {
                return new PurgeResult(total, isComplete: false);
            }
        }
    }

    static int DeleteInstances(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<string> instanceIds)
    {
        if (instanceIds.Count == 0)
        {
            return 0;
        }

        var ids = JsonSerializer.Serialize(instanceIds);
        foreach (var table in new[] { "History", "NewEvents", "NewTasks" })
        {
            connection.Execute($"DELETE FROM {table} WHERE InstanceId IN (SELECT value FROM json_each(@ids));", transaction, ("@ids", ids));
        }

        return connection.Execute("DELETE FROM Instances WHERE InstanceId IN (SELECT value FROM json_each(@ids));", transaction, ("@ids", ids));
    }

    /// <summary>Keyset position: the last row of a page, opaque to callers.</summary>
    readonly record struct ContinuationToken(string CreatedTime, string InstanceId)
    {
        public override string ToString() =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{CreatedTime}\n{InstanceId}"));

        public static bool TryParse(string? text, out ContinuationToken token)
        {
            token = default;
            if (string.IsNullOrEmpty(text))
            {
                return false;
            }

            var buffer = new byte[text.Length];
            if (!Convert.TryFromBase64String(text, buffer, out var length))
            {
                throw new ArgumentException("The continuation token is not one this store issued.", nameof(text));
            }

            var parts = Encoding.UTF8.GetString(buffer, 0, length).Split('\n', 2);
            if (parts.Length != 2)
            {
                throw new ArgumentException("The continuation token is not one this store issued.", nameof(text));
            }

            token = new ContinuationToken(parts[0], parts[1]);
            return true;
        }
    }
}
