using Microsoft.Data.Sqlite;

namespace Orchestrator.Sqlite;

/// <summary>
/// How every Orchestrator SQLite file is opened: pooled connections, and on each the same per-connection pragmas
/// (busy timeout, synchronous as <see cref="SqliteDurability"/> says, foreign keys off). WAL, a setting kept in the
/// file, is switched on by <see cref="SchemaMigrator"/>. Several processes may share a file (the CLI beside the
/// service): WAL lets readers run beside one writer, and the busy timeout makes writers of other processes queue.
/// </summary>
public sealed class SqliteFile
{
    readonly string connectionString;
    readonly string pragmas;

    public SqliteFile(string path, TimeSpan busyTimeout, SqliteDurability durability)
    {
        Path = System.IO.Path.GetFullPath(path);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        }.ToString();
        var synchronous = durability == SqliteDurability.SurvivesPowerLoss ? "FULL" : "NORMAL";
        // One statement text per file, built once: opening a connection is on the store's hot path.
        pragmas = $"PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds}; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = OFF;";
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> without writing to it, beside the process that does (WAL lets readers run beside
    /// the writer): what a soak or a test looks at while a host runs. Each call opens its own unpooled connection, so
    /// no handle outlives it. A file or table its writer has not created yet reads as no rows.
    /// </summary>
    public static IReadOnlyList<T> QueryReadOnly<T>(string path, string sql, Func<SqliteDataReader, T> map, params (string Name, object Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (!File.Exists(path))
        {
            return [];
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        try
        {
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
        catch (SqliteException error) when (error.SqliteErrorCode == 1 && error.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return [];
        }
    }
}
