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

    // Writes take turns anyway, so they share one connection kept open: no pool round trip and no per-connection
    // pragmas per transaction. Only touched inside the gate.
    SqliteConnection? writer;

    public SqliteDatabase(string path, TimeSpan busyTimeout) =>
        File = new SqliteFile(path, busyTimeout, SqliteDurability.SurvivesProcessCrash);

    /// <summary>The file and its per-connection settings, the same convention as the local catalog's.</summary>
    public SqliteFile File { get; }

    public string Path => File.Path;

    public SqliteConnection Open() => File.Open();

    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken = default)
    {
        await writeGate.WaitAsync(cancellationToken);
        try
        {
            var connection = writer ??= Open();
            try
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                var result = work(connection, transaction);
                transaction.Commit();
                return result;
            }
            catch
            {
                // The transaction is rolled back; a fresh connection for the next write rules out a broken one.
                DisposeWriter();
                throw;
            }
        }
        finally
        {
            writeGate.Release();
        }
    }

    public Task WriteAsync(Action<SqliteConnection, SqliteTransaction> work, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>((connection, transaction) => { work(connection, transaction); return true; }, cancellationToken);

    /// <summary>Closes the shared write connection (on stop, or before the file is deleted); the next write opens another.</summary>
    public async Task CloseWriterAsync()
    {
        await writeGate.WaitAsync();
        try
        {
            DisposeWriter();
        }
        finally
        {
            writeGate.Release();
        }
    }

    void DisposeWriter()
    {
        writer?.Dispose();
        writer = null;
    }

    public T Read<T>(Func<SqliteConnection, T> work)
    {
        using var connection = Open();
        return work(connection);
    }
}
