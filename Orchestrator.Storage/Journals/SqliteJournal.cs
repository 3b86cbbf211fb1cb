using Microsoft.Data.Sqlite;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Storage.Journals;

/// <summary>
/// Journals in the SQLite store's file (schema 4, <c>Journal</c>). Appends go through the store's one writer (group
/// commit), so a sequence is handed out inside the transaction that commits it and sequences follow commit order.
/// </summary>
sealed class SqliteJournal(SqliteDatabase database) : IJournal
{
    const int PurgeBatch = 1000;

    const string Columns = "Sequence, Stream, DedupeKey, Scope, Subscope, Correlation, Body, RecordedTime";

    public Task<int> AppendAsync(IReadOnlyList<JournalAppend> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return Task.FromResult(0);
        }

        return database.WriteGroupedAsync((connection, transaction) =>
        {
            using var insert = connection.Prepare(
                """
                INSERT INTO Journal (Stream, DedupeKey, Scope, Subscope, Correlation, Body, RecordedTime)
                VALUES (@stream, @key, @scope, @subscope, @correlation, @body, @recorded)
                ON CONFLICT (Stream, DedupeKey) DO NOTHING;
                """,
                transaction, "@stream", "@key", "@scope", "@subscope", "@correlation", "@body", "@recorded");
            return entries.Sum(e => insert.Run(e.Stream, e.DedupeKey, e.Scope, e.Subscope, e.Correlation, e.Body, SqliteTime.ToText(e.RecordedAt)));
        });
    }

    public Task<JournalPage> ReadAsync(JournalQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var (sql, parameters) = ReadQuery(query);
        var rows = database.Read(connection => connection.Query(sql, Entry, null, parameters));
        var more = rows.Count > query.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return Task.FromResult(new JournalPage(rows, more));
    }

    /// <summary>The SQL of a read (the plan test EXPLAINs it): an index SEARCH that stops after a page.</summary>
    internal static (string Sql, (string Name, object? Value)[] Parameters) ReadQuery(JournalQuery query)
    {
        var where = new List<string> { "Stream = @stream", "Sequence > @after" };
        var parameters = new List<(string, object?)> { ("@stream", query.Stream), ("@after", query.After), ("@limit", Math.Min(query.Limit, JournalQuery.MaxLimit) + 1) };
        Filter("Scope", query.Scope);
        Filter("Subscope", query.Subscope);
        Filter("Correlation", query.Correlation);
        return ($"SELECT {Columns} FROM Journal WHERE {string.Join(" AND ", where)} ORDER BY Sequence LIMIT @limit;", [.. parameters]);

        void Filter(string column, string? value)
        {
            if (value is not null)
            {
                where.Add($"{column} = @{column}");
                parameters.Add(($"@{column}", value));
            }
        }
    }

    public async Task<int> PurgeAsync(string stream, DateTime recordedBefore, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            // In batches: a large purge never holds the single writer for long.
            deleted = await database.WriteAsync((connection, transaction) => connection.Execute(
                "DELETE FROM Journal WHERE Sequence IN (SELECT Sequence FROM Journal WHERE Stream = @stream AND RecordedTime < @before LIMIT @batch);",
                transaction, ("@stream", stream), ("@before", SqliteTime.ToText(recordedBefore)), ("@batch", PurgeBatch)), cancellationToken);
            total += deleted;
        }
        while (deleted == PurgeBatch && !cancellationToken.IsCancellationRequested);

        return total;
    }

    static JournalEntry Entry(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetStringOrNull(3), r.GetStringOrNull(4), r.GetStringOrNull(5), r.GetString(6), SqliteTime.Parse(r.GetString(7)));
}
