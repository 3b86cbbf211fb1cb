using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Connections to the store file. Writes in this process take turns on one gate (SQLite has one writer
/// anyway, and waiting on a semaphore is cheaper than SQLite's busy sleeps); writers in other processes are
/// waited for by the busy timeout. Every write transaction starts with BEGIN IMMEDIATE so two processes never
/// deadlock upgrading a read lock to a write lock.
/// </summary>
sealed class SqliteDatabase
{
    readonly SemaphoreSlim writeGate = new(1, 1);
    readonly string connectionString;
    readonly int busyTimeoutMs;

    public SqliteDatabase(string path, TimeSpan busyTimeout)
    {
        Path = System.IO.Path.GetFullPath(path);
        busyTimeoutMs = (int)busyTimeout.TotalMilliseconds;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        }.ToString();
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // Per-connection settings: WAL (persistent in the file) lets readers run beside the writer;
        // NORMAL sync in WAL mode loses no committed transaction on a process crash.
        connection.Execute($"PRAGMA busy_timeout = {busyTimeoutMs}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;");
        return connection;
    }

    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken = default)
    {
        await writeGate.WaitAsync(cancellationToken);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = work(connection, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            writeGate.Release();
        }
    }

    public Task WriteAsync(Action<SqliteConnection, SqliteTransaction> work, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>((connection, transaction) => { work(connection, transaction); return true; }, cancellationToken);

    public T Read<T>(Func<SqliteConnection, T> work)
    {
        using var connection = Open();
        return work(connection);
    }
}
