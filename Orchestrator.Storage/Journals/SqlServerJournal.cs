using System.Data;
using System.Globalization;
using Microsoft.Data.SqlClient;

namespace Orchestrator.Storage.Journals;

/// <summary>
/// Journals on SQL Server, in Orchestrator's own schema (<c>orchestrator.Journal</c>, <c>SqlServer/Scripts</c>). The
/// sequence is the row's rowversion and reads stop below MIN_ACTIVE_ROWVERSION(): see the script for why an IDENTITY
/// cursor would skip rows that concurrent transactions commit late.
/// </summary>
public sealed class SqlServerJournal(string connectionString) : IJournal
{
    const int PurgeBatch = 1000;
    const string ScriptPrefix = "Orchestrator.Storage.SqlServer.Scripts.schema-";

    /// <summary>Creates the orchestrator schema and brings its tables to this build's version; replicas starting together take turns.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqlTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync("EXEC sp_getapplock @Resource = N'orchestrator-schema', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 60000;");
        await ExecuteAsync("IF SCHEMA_ID(N'orchestrator') IS NULL EXEC (N'CREATE SCHEMA orchestrator');");
        await ExecuteAsync("IF OBJECT_ID(N'orchestrator.SchemaVersions') IS NULL CREATE TABLE orchestrator.SchemaVersions (Version INT NOT NULL PRIMARY KEY, AppliedTime DATETIME2(7) NOT NULL);");
        await using (var read = new SqlCommand("SELECT ISNULL(MAX(Version), 0) FROM orchestrator.SchemaVersions;", connection, transaction))
        {
            var current = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
            var scripts = Scripts();
            if (current > scripts[^1].Version)
            {
                throw new StoreUnavailableException($"The orchestrator schema has version {current}, newer than this Orchestrator understands ({scripts[^1].Version}); upgrade Orchestrator.");
            }

            foreach (var (version, sql) in scripts.Where(s => s.Version > current))
            {
                await ExecuteAsync(sql);
                await ExecuteAsync($"INSERT INTO orchestrator.SchemaVersions (Version, AppliedTime) VALUES ({version.ToString(CultureInfo.InvariantCulture)}, SYSUTCDATETIME());");
            }
        }

        await transaction.CommitAsync(cancellationToken);

        async Task ExecuteAsync(string sql)
        {
            await using var command = new SqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<int> AppendAsync(IReadOnlyList<JournalAppend> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return 0;
        }

        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqlTransaction)await connection.BeginTransactionAsync(cancellationToken);
        // UPDLOCK + HOLDLOCK: two appends of the same key at once serialize on the key range; the second sees the first.
        await using var insert = new SqlCommand(
            """
            INSERT INTO orchestrator.Journal (Stream, DedupeKey, Scope, Subscope, Correlation, Body, RecordedTime)
            SELECT @stream, @key, @scope, @subscope, @correlation, @body, @recorded
            WHERE NOT EXISTS (SELECT 1 FROM orchestrator.Journal WITH (UPDLOCK, HOLDLOCK) WHERE Stream = @stream AND DedupeKey = @key);
            """, connection, transaction);
        var parameters = new[]
        {
            insert.Parameters.Add("@stream", SqlDbType.NVarChar, 100),
            insert.Parameters.Add("@key", SqlDbType.NVarChar, 400),
            insert.Parameters.Add("@scope", SqlDbType.NVarChar, 256),
            insert.Parameters.Add("@subscope", SqlDbType.NVarChar, 256),
            insert.Parameters.Add("@correlation", SqlDbType.NVarChar, 400),
            insert.Parameters.Add("@body", SqlDbType.NVarChar, -1),
            insert.Parameters.Add("@recorded", SqlDbType.DateTime2),
        };
        var added = 0;
        foreach (var entry in entries)
        {
            object?[] values = [entry.Stream, entry.DedupeKey, entry.Scope, entry.Subscope, entry.Correlation, entry.Body, entry.RecordedAt];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public async Task<JournalPage> ReadAsync(JournalQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var limit = Math.Min(query.Limit, JournalQuery.MaxLimit);
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new SqlCommand { Connection = connection };
        var where = new List<string> { "Stream = @stream", "Version > CAST(@after AS BINARY(8))", "Version < @visibleBelow" };
        command.Parameters.Add("@stream", SqlDbType.NVarChar, 100).Value = query.Stream;
        command.Parameters.Add("@after", SqlDbType.BigInt).Value = query.After;
        command.Parameters.Add("@limit", SqlDbType.Int).Value = limit + 1;
        Filter("Scope", query.Scope, 256);
        Filter("Subscope", query.Subscope, 256);
        Filter("Correlation", query.Correlation, 400);
        command.CommandText =
            $"""
            DECLARE @visibleBelow BINARY(8) = MIN_ACTIVE_ROWVERSION();
            SELECT TOP (@limit) CAST(Version AS BIGINT), Stream, DedupeKey, Scope, Subscope, Correlation, Body, RecordedTime
            FROM orchestrator.Journal WHERE {string.Join(" AND ", where)} ORDER BY Version;
            """;
        var rows = new List<JournalEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new JournalEntry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), Text(reader, 4), Text(reader, 5),
                    reader.GetString(6), DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Utc)));
            }
        }

        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return new JournalPage(rows, more);

        void Filter(string column, string? value, int size)
        {
            if (value is not null)
            {
                where.Add($"{column} = @{column}");
                command.Parameters.Add($"@{column}", SqlDbType.NVarChar, size).Value = value;
            }
        }
    }

    public async Task<int> PurgeAsync(string stream, DateTime recordedBefore, CancellationToken cancellationToken)
    {
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new SqlCommand("DELETE TOP (@batch) FROM orchestrator.Journal WHERE Stream = @stream AND RecordedTime < @before;", connection);
        command.Parameters.Add("@batch", SqlDbType.Int).Value = PurgeBatch;
        command.Parameters.Add("@stream", SqlDbType.NVarChar, 100).Value = stream;
        command.Parameters.Add("@before", SqlDbType.DateTime2).Value = recordedBefore;
        var total = 0;
        int deleted;
        do
        {
            deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == PurgeBatch);

        return total;
    }

    static string? Text(SqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    static List<(int Version, string Sql)> Scripts()
    {
        var assembly = typeof(SqlServerJournal).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ScriptPrefix, StringComparison.Ordinal))
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (int.Parse(n[ScriptPrefix.Length..^".sql".Length], CultureInfo.InvariantCulture), reader.ReadToEnd());
            })
            .OrderBy(s => s.Item1)
            .ToList();
    }
}
