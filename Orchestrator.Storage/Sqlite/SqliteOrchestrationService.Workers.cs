using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

// Lock ownership a successor can check. A started worker registers in Workers with a lease and renews it, with
// the locks it holds, every quarter of the lock timeout. Each lock token starts with the worker's id
// (machine/pid/process start), so a worker starting on the same machine releases at once the locks of a process
// that is gone, instead of waiting for them to expire; locks of another machine run out with their lease.
public sealed partial class SqliteOrchestrationService : IWorkerDirectory
{
    /// <summary>
    /// The lock expiry work items are handed out with. DurableTask.Core starts a renewal task per work item whose
    /// LockedUntilUtc is before DateTime.MaxValue, and cancels it when the item ends: mostly before the task has run,
    /// which costs a thrown OperationCanceledException per turn and per activity. The lease timer renews every lock
    /// this worker holds anyway (every quarter of the lock timeout, DurableTask.Core's every 5 s at the soonest), so
    /// the items say "never expires" and the per-item renewals are not started.
    /// </summary>
    static readonly DateTime RenewedByLease = DateTime.MaxValue;

    readonly ConcurrentDictionary<string, bool> heldLocks = new(StringComparer.Ordinal);
    ITimer? leaseTimer;
    int renewing;

    public Task<IReadOnlyList<StoreWorker>> GetLiveWorkersAsync(CancellationToken cancellationToken)
    {
        var now = SqliteTime.ToText(Now);
        var workers = database.Read(connection => connection.Query(
            "SELECT WorkerId, MachineName, ProcessId, ProcessStartTime, StartedTime, LeaseExpiration FROM Workers WHERE LeaseExpiration >= @now ORDER BY StartedTime;",
            r => new StoreWorker(r.GetString(0), r.GetString(1), r.GetInt32(2), SqliteTime.Parse(r.GetString(3)),
                SqliteTime.Parse(r.GetString(4)), SqliteTime.Parse(r.GetString(5))),
            null, ("@now", now)));
        return Task.FromResult<IReadOnlyList<StoreWorker>>(workers.Where(w => !ProcessOwner.IsDeadOnThisMachine(w.WorkerId)).ToList());
    }

    /// <summary>Registers this worker, frees the locks of dead owners on this machine, and starts renewing.</summary>
    async Task AttachWorkerAsync()
    {
        await RenewLeaseAsync();
        await ReleaseDeadOwnersAsync();
        leaseTimer ??= settings.TimeProvider.CreateTimer(_ => _ = RenewOnTimerAsync(), null, settings.LeaseRenewalInterval, settings.LeaseRenewalInterval);
    }

    /// <summary>Stops renewing, gives back the locks still held (a forced stop) and leaves the Workers table.</summary>
    async Task DetachWorkerAsync()
    {
        if (leaseTimer is { } timer)
        {
            leaseTimer = null;
            await timer.DisposeAsync();
        }

        var tokens = heldLocks.Keys.ToList();
        heldLocks.Clear();
        await database.WriteAsync((connection, transaction) =>
        {
            ReleaseLocks(connection, transaction, tokens);
            connection.Execute("DELETE FROM Workers WHERE WorkerId = @w;", transaction, ("@w", settings.WorkerId));
        });
    }

    async Task RenewOnTimerAsync()
    {
        if (Interlocked.Exchange(ref renewing, 1) == 1)
        {
            return;
        }

        try
        {
            await RenewLeaseAsync();
            await ReleaseDeadOwnersAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next tick tries again; the lease is long enough to miss a few.
            logger.LeaseRenewalFailed(ex, settings.WorkerId);
        }
        finally
        {
            Volatile.Write(ref renewing, 0);
        }
    }

    /// <summary>Extends this worker's lease and every lock it holds; re-registers it if another process removed it.</summary>
    Task RenewLeaseAsync()
    {
        var now = Now;
        var until = SqliteTime.ToText(now + settings.WorkItemLockTimeout);
        var tokens = JsonSerializer.Serialize(heldLocks.Keys);
        return database.WriteAsync((connection, transaction) =>
        {
            var process = ProcessOwner.Parse(settings.WorkerId);
            connection.Execute(
                """
                INSERT INTO Workers (WorkerId, MachineName, ProcessId, ProcessStartTime, StartedTime, LeaseExpiration)
                VALUES (@w, @machine, @pid, @started, @now, @until)
                ON CONFLICT (WorkerId) DO UPDATE SET LeaseExpiration = excluded.LeaseExpiration;
                """,
                transaction,
                ("@w", settings.WorkerId), ("@machine", process?.Machine ?? Environment.MachineName),
                ("@pid", process?.ProcessId ?? Environment.ProcessId),
                ("@started", SqliteTime.ToText(process?.ProcessStart ?? ProcessOwner.ProcessStartTime)),
                ("@now", SqliteTime.ToText(now)), ("@until", until));
            foreach (var table in new[] { "Instances", "NewTasks" })
            {
                connection.Execute($"UPDATE {table} SET LockExpiration = @until WHERE LockedBy IN (SELECT value FROM json_each(@tokens));",
                    transaction, ("@until", until), ("@tokens", tokens));
            }

            // Workers of other machines whose lease ran out: their locks expire on their own.
            connection.Execute("DELETE FROM Workers WHERE LeaseExpiration < @now;", transaction, ("@now", SqliteTime.ToText(now)));
        });
    }

    /// <summary>
    /// Releases the locks of owners that are processes of this machine that no longer run. Looks first, so a store
    /// without dead owners costs one read.
    /// </summary>
    async Task ReleaseDeadOwnersAsync()
    {
        var owners = database.Read(connection => connection.Query(
            """
            SELECT substr(LockedBy, 1, instr(LockedBy, ':') - 1) FROM Instances WHERE LockedBy IS NOT NULL
            UNION SELECT substr(LockedBy, 1, instr(LockedBy, ':') - 1) FROM NewTasks WHERE LockedBy IS NOT NULL
            UNION SELECT WorkerId FROM Workers;
            """,
            r => r.GetString(0)));
        var dead = owners.Where(o => o != settings.WorkerId && ProcessOwner.IsDeadOnThisMachine(o)).ToList();
        if (dead.Count == 0)
        {
            return;
        }

        var released = await database.WriteAsync((connection, transaction) =>
        {
            var count = 0;
            foreach (var owner in dead)
            {
                // Tokens are "<owner>:<guid>": they sort between "<owner>:" and "<owner>;" (';' follows ':').
                foreach (var table in new[] { "Instances", "NewTasks" })
                {
                    count += connection.Execute(
                        $"UPDATE {table} SET LockedBy = NULL, LockExpiration = NULL WHERE LockedBy >= @from AND LockedBy < @to;",
                        transaction, ("@from", owner + ":"), ("@to", owner + ";"));
                }

                connection.Execute("DELETE FROM Workers WHERE WorkerId = @w;", transaction, ("@w", owner));
            }

            return count;
        });
        foreach (var owner in dead)
        {
            logger.DeadWorkerReleased(owner);
        }

        if (released > 0)
        {
            orchestrationsSignal.Set();
            activitiesSignal.Set();
        }
    }

    static void ReleaseLocks(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyCollection<string> tokens)
    {
        foreach (var table in new[] { "Instances", "NewTasks" })
        {
            connection.Execute($"UPDATE {table} SET LockedBy = NULL, LockExpiration = NULL WHERE LockedBy IN (SELECT value FROM json_each(@tokens));",
                transaction, ("@tokens", JsonSerializer.Serialize(tokens)));
        }
    }
}
