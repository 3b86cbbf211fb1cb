using System.Collections.Concurrent;
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

    // Reads keep a few connections open with their statements compiled: a pooled Open() ran the per-connection
    // pragmas at every read. WAL lets them read beside the writer. A close (before the file is deleted) moves to
    // the next generation, so a read still running then does not put its connection back.
    const int MaxKeptReaders = 4;
    readonly Stack<SqliteConnection> readers = new();
    readonly Lock readersGate = new();
    int readerGeneration;

    // The writer leaves WAL checkpoints to a connection of their own: run by whichever commit crossed the
    // threshold, a checkpoint (copying the WAL into the file and syncing it) stalled every write queued behind it.
    // A passive checkpoint runs beside the writer. The writer's own automatic checkpoint stays as a backstop, at a
    // threshold the background one keeps it from reaching.
    const int CommitsPerCheckpoint = 64;
    const int BackstopCheckpointPages = 10_000;
    int commitsSinceCheckpoint;
    Task checkpointing = Task.CompletedTask;

    const int MaxGroupedWrites = 256;
    readonly ConcurrentQueue<IGroupedWrite> grouped = new();
    int writingGroup;

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
            var connection = writer ??= OpenWriter();
            try
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                var result = work(connection, transaction);
                transaction.Commit();
                CheckpointWhenDue();
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

    /// <summary>
    /// Group commit: writes that arrive while a transaction runs share the next one, so concurrent checkpoints and
    /// activity results do not queue for the writer one by one. Each runs in its own savepoint: one that throws
    /// (a lock found lost) rolls back alone, and only its caller sees the exception.
    /// </summary>
    public async Task<T> WriteGroupedAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        var write = new GroupedWrite<T>(work);
        grouped.Enqueue(write);
        // Whoever finds nobody writing writes every queued work; it looks again after each transaction, so a work
        // queued while it wrote is never left behind.
        while (!grouped.IsEmpty && Interlocked.CompareExchange(ref writingGroup, 1, 0) == 0)
        {
            var batch = new List<IGroupedWrite>();
            try
            {
                while (batch.Count < MaxGroupedWrites && grouped.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                await WriteAsync((connection, transaction) =>
                {
                    foreach (var each in batch)
                    {
                        transaction.Save("grouped");
                        try
                        {
                            each.Run(connection, transaction);
                            transaction.Release("grouped");
                        }
                        catch (Exception ex)
                        {
                            transaction.Rollback("grouped");
                            transaction.Release("grouped");
                            each.Fail(ex);
                        }
                    }
                });
                foreach (var each in batch)
                {
                    each.Committed();
                }
            }
            catch (Exception ex)
            {
                foreach (var each in batch)
                {
                    each.Fail(ex);
                }
            }
            finally
            {
                Volatile.Write(ref writingGroup, 0);
            }
        }

        return await write.Result;
    }

    public Task WriteGroupedAsync(Action<SqliteConnection, SqliteTransaction> work) =>
        WriteGroupedAsync<bool>((connection, transaction) => { work(connection, transaction); return true; });

    /// <summary>Closes the write connection and the open readers (on stop, or before the file is deleted); the next
    /// write or read opens another.</summary>
    public async Task CloseConnectionsAsync()
    {
        await writeGate.WaitAsync();
        try
        {
            DisposeWriter();
            await checkpointing;
            lock (readersGate)
            {
                readerGeneration++;
                while (readers.TryPop(out var reader))
                {
                    Close(reader);
                }
            }
        }
        finally
        {
            writeGate.Release();
        }
    }

    void DisposeWriter()
    {
        if (writer is not null)
        {
            Close(writer);
        }

        writer = null;
    }

    SqliteConnection OpenWriter()
    {
        var connection = OpenKeepingStatements();
        connection.Execute($"PRAGMA wal_autocheckpoint = {BackstopCheckpointPages};");
        return connection;
    }

    /// <summary>Starts a passive checkpoint in the background every so many commits; called inside the write gate.</summary>
    void CheckpointWhenDue()
    {
        if (++commitsSinceCheckpoint < CommitsPerCheckpoint || !checkpointing.IsCompleted)
        {
            return;
        }

        commitsSinceCheckpoint = 0;
        checkpointing = Task.Run(() =>
        {
            try
            {
                using var connection = Open();
                connection.Execute("PRAGMA wal_checkpoint(PASSIVE);");
            }
            catch (SqliteException)
            {
                // Nothing is lost: the next one (or the writer's backstop) copies what this one did not.
            }
        });
    }

    SqliteConnection OpenKeepingStatements()
    {
        var connection = Open();
        connection.KeepStatements();
        return connection;
    }

    static void Close(SqliteConnection connection)
    {
        connection.DropStatements();
        connection.Dispose();
    }

    public T Read<T>(Func<SqliteConnection, T> work)
    {
        SqliteConnection? connection;
        int generation;
        lock (readersGate)
        {
            generation = readerGeneration;
            readers.TryPop(out connection);
        }

        connection ??= OpenKeepingStatements();
        T result;
        try
        {
            result = work(connection);
        }
        catch
        {
            // A fresh connection for the next read rules out a broken one.
            Close(connection);
            throw;
        }

        lock (readersGate)
        {
            if (generation == readerGeneration && readers.Count < MaxKeptReaders)
            {
                readers.Push(connection);
                return result;
            }
        }

        Close(connection);
        return result;
    }

    interface IGroupedWrite
    {
        void Run(SqliteConnection connection, SqliteTransaction transaction);

        void Committed();

        void Fail(Exception exception);
    }

    sealed class GroupedWrite<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IGroupedWrite
    {
        readonly TaskCompletionSource<T> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        T? value;

        public Task<T> Result => outcome.Task;

        public void Run(SqliteConnection connection, SqliteTransaction transaction) => value = work(connection, transaction);

        // A write that failed in its savepoint has its exception set already; this then does nothing.
        public void Committed() => outcome.TrySetResult(value!);

        public void Fail(Exception exception) => outcome.TrySetException(exception);
    }
}
