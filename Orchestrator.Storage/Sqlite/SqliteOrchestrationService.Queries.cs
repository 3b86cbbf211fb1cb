using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Data.Sqlite;
using Orchestrator.Storage.Listings;

namespace Orchestrator.Storage.Sqlite;

// Queries for dashboards (newest first, keyset paging) and purge, which deletes finished instances in batches
// so a large purge never holds the single writer for long.
public sealed partial class SqliteOrchestrationService : IInstanceListing
{
    const string NewestFirst = "ORDER BY CreatedTime DESC, InstanceId DESC";

    // Listings never return inputs, outputs or failure details: not selecting them spares reading their pages and
    // parsing failure JSON per row.
    static readonly string ListingColumns = InstanceColumns(fetchInputsAndOutputs: false, fetchFailureDetails: false);

    /// <summary>
    /// Every filter is a keyed SEARCH on one of schema 3's indexes (name, group, outcome, then creation order), so a
    /// page reads about a page of rows whatever the store holds. Several outcomes are one SELECT each, merged in
    /// order (UNION ALL with the ORDER BY outside): each stays a SEARCH, where an IN list would sort every match.
    /// </summary>
    public Task<InstancePage> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(filter.Limit, 1);
        if (filter.Outcomes is { Count: 0 })
        {
            return Task.FromResult(new InstancePage([], HasMore: false));
        }

        var (sql, parameters) = ListingQuery(filter);
        var rows = database.Read(connection => connection.Query(sql, r => ReadState(r, fetchInputsAndOutputs: false), null, parameters));
        var more = rows.Count > filter.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return Task.FromResult(new InstancePage(rows, more));
    }

    /// <summary>The SQL of a listing and its parameters (the plan tests EXPLAIN it).</summary>
    internal static (string Sql, (string Name, object? Value)[] Parameters) ListingQuery(InstanceFilter filter)
    {
        var where = new List<string> { "Name = @name" };
        var parameters = new List<(string, object?)> { ("@name", filter.Name), ("@limit", filter.Limit + 1) };
        if (filter.Group is { } group)
        {
            where.Add("InstanceGroup = @group");
            parameters.Add(("@group", group));
        }

        WhereCreated(where, parameters, filter.CreatedFrom, filter.CreatedTo, filter.After);

        var select = $"SELECT {ListingColumns} FROM Instances WHERE {string.Join(" AND ", where)}";
        var outcomes = filter.Outcomes?.Distinct(StringComparer.Ordinal).ToList();
        var sql = outcomes is null
            ? $"{select} {NewestFirst} LIMIT @limit;"
            : $"{string.Join(" UNION ALL ", outcomes.Select((_, i) => $"{select} AND Outcome = @outcome{i}"))} {NewestFirst} LIMIT @limit;";
        parameters.AddRange((outcomes ?? []).Select((outcome, i) => ($"@outcome{i}", (object?)outcome)));

        return (sql, [.. parameters]);
    }

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

        WhereCreated(where, parameters, query.CreatedTimeFrom, query.CreatedTimeTo, ListingPosition.FromToken(query.ContinuationToken));

        if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
        {
            where.Add("substr(InstanceId, 1, length(@prefix)) = @prefix");
            parameters.Add(("@prefix", query.InstanceIdPrefix));
        }

        var sql = new StringBuilder($"SELECT {InstanceColumns(query.FetchInputsAndOutputs)} FROM Instances");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        sql.Append($" {NewestFirst} LIMIT @limit;");
        parameters.Add(("@limit", pageSize + 1));

        var rows = database.Read(connection => connection.Query(sql.ToString(), r => ReadState(r, query.FetchInputsAndOutputs), null, [.. parameters]));
        string? next = null;
        if (rows.Count > pageSize)
        {
            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            next = new ListingPosition(last.CreatedTime, last.OrchestrationInstance.InstanceId).ToToken();
        }

        return Task.FromResult(new OrchestrationQueryResult(rows, next));
    }

    /// <summary>The creation-time range (both ends inclusive) and the keyset position of a newest-first listing.</summary>
    static void WhereCreated(List<string> where, List<(string, object?)> parameters, DateTime? from, DateTime? to, ListingPosition? after)
    {
        if (from is { } start)
        {
            where.Add("CreatedTime >= @from");
            parameters.Add(("@from", SqliteTime.ToText(start)));
        }

        if (to is { } end)
        {
            where.Add("CreatedTime <= @to");
            parameters.Add(("@to", SqliteTime.ToText(end)));
        }

        if (after is { } position)
        {
            // A row value, not (a < x OR (a = x AND b < y)): SQLite bounds an index range with it.
            where.Add("(CreatedTime, InstanceId) < (@afterTime, @afterId)");
            parameters.Add(("@afterTime", SqliteTime.ToText(position.CreatedAt)));
            parameters.Add(("@afterId", position.Id));
        }
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
            ? InstanceStatuses.Finished.Intersect(purgeInstanceFilter.RuntimeStatus).ToArray()
            : InstanceStatuses.Finished;
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
        return PurgeWhereAsync($"{column} < @threshold", InstanceStatuses.Finished, timeout: null, ("@threshold", SqliteTime.ToText(thresholdDateTimeUtc)));
    }

    /// <summary>Purges finished instances matching <paramref name="where"/>, one batch per transaction, until none are left.</summary>
    async Task<PurgeResult> PurgeWhereAsync(string where, IReadOnlyList<OrchestrationStatus> statuses, TimeSpan? timeout, params (string, object?)[] parameters)
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
        foreach (var table in new[] { "History", "NewEvents", "NewTasks", "InstancePayloads" })
        {
            connection.Execute($"DELETE FROM {table} WHERE InstanceId IN (SELECT value FROM json_each(@ids));", transaction, ("@ids", ids));
        }

        return connection.Execute("DELETE FROM Instances WHERE InstanceId IN (SELECT value FROM json_each(@ids));", transaction, ("@ids", ids));
    }

    /// <summary>
    /// An instance's tags as stored (a JSON object), parsed on first use. A listing reads 51 rows per page and its
    /// caller (<c>RunQueries</c>) reuses the summary of a finished run it has seen, so most rows' tags are never looked at:
    /// parsing them all was part of the store's time per page.
    /// </summary>
    sealed class StoredTags(string json) : IDictionary<string, string>
    {
        readonly Lazy<Dictionary<string, string>> tags = new(() => JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []);

        Dictionary<string, string> Tags => tags.Value;

        public string this[string key] { get => Tags[key]; set => Tags[key] = value; }

        public ICollection<string> Keys => Tags.Keys;

        public ICollection<string> Values => Tags.Values;

        public int Count => Tags.Count;

        public bool IsReadOnly => false;

        public void Add(string key, string value) => Tags.Add(key, value);

        public void Add(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Tags).Add(item);

        public void Clear() => Tags.Clear();

        public bool Contains(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Tags).Contains(item);

        public bool ContainsKey(string key) => Tags.ContainsKey(key);

        public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, string>>)Tags).CopyTo(array, arrayIndex);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Tags.GetEnumerator();

        public bool Remove(string key) => Tags.Remove(key);

        public bool Remove(KeyValuePair<string, string> item) => ((ICollection<KeyValuePair<string, string>>)Tags).Remove(item);

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => Tags.TryGetValue(key, out value);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
