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
}
