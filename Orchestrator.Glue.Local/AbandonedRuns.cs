using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>What becomes of an active job run or crawl whose process is gone.</summary>
enum AbandonedVerdict
{
    /// <summary>Taken over by this process and started again from its last safe point.</summary>
    Resume,

    /// <summary>A stop was asked for before its host went away: it ends stopped.</summary>
    Stop,

    /// <summary>It cannot be resumed (no longer declared, or restarted too often): it fails, marked interrupted.</summary>
    Fail,
}

/// <summary>An active job run or crawl whose owner is gone.</summary>
sealed record AbandonedRun(object Id, string Owner, string Name, bool StopRequested, int Restarts)
{
    /// <summary>
    /// How often a run or crawl is started again after its host went away: one that takes its host down each time
    /// (out of memory, say) must not restart for ever. After that the orchestrator decides (a new attempt).
    /// </summary>
    public const int MaxRestarts = 3;

    public AbandonedVerdict Verdict(Func<string, bool> resumable) =>
        StopRequested ? AbandonedVerdict.Stop
        : !resumable(Name) || Restarts >= MaxRestarts ? AbandonedVerdict.Fail
        : AbandonedVerdict.Resume;

    /// <summary>Why a run or crawl that cannot be resumed failed; <paramref name="what"/> is "Job run" or "Crawl".</summary>
    public string FailureMessage(string what, string declaredAs, Func<string, bool> resumable) =>
        !resumable(Name)
            ? $"{what} interrupted by host restart: the process running it stopped before it finished, and " +
              $"{declaredAs} '{Name}' is no longer declared, so it cannot be resumed."
            : string.Create(CultureInfo.InvariantCulture,
                $"{what} interrupted by host restart: the process running it stopped before it finished " +
                $"{Restarts + 1} times; it is not resumed again.");
}

/// <summary>
/// Finds active job runs or crawls whose process is gone: their lease ran out, or their owner is a process of this
/// machine that no longer runs (so a restart finds them at once, not a lease later).
/// </summary>
static class AbandonedRuns
{
    /// <summary>
    /// Hands each abandoned row to <paramref name="takeOver"/> inside one write transaction and returns what it made
    /// of them. <paramref name="select"/> yields (id, owner, lease_until, name, stop_requested, restarts) of the active
    /// rows of other owners. <paramref name="takeOver"/> gets a command of the transaction with <c>$id</c>,
    /// <c>$previous</c> (the dead owner, to fence the update on) and <c>$now</c> set. Looks first without the write
    /// lock: polls call this often and mostly find nothing.
    /// </summary>
    public static async Task<IReadOnlyList<T>> TakeOverAsync<T>(CatalogDatabase database, DateTimeOffset now,
        Func<SqliteConnection, SqliteTransaction?, SqliteCommand> select,
        Func<SqliteCommand, AbandonedRun, Task<T?>> takeOver, CancellationToken cancellationToken)
        where T : class
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await using var look = select(connection, null);
            if ((await FindAsync(look, now, cancellationToken)).Count == 0)
            {
                return [];
            }
        }

        return await database.WriteAsync<IReadOnlyList<T>>(async (connection, transaction) =>
        {
            List<AbandonedRun> abandoned;
            await using (var command = select(connection, transaction))
            {
                abandoned = await FindAsync(command, now, cancellationToken);
            }

            var taken = new List<T>();
            foreach (var run in abandoned)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.Parameters.AddWithValue("$id", run.Id);
                command.Parameters.AddWithValue("$previous", run.Owner);
                command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
                if (await takeOver(command, run) is { } result)
                {
                    taken.Add(result);
                }
            }

            return taken;
        }, cancellationToken);
    }

    static async Task<List<AbandonedRun>> FindAsync(SqliteCommand select, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var expiredBefore = CatalogTime.Format(now);
        var liveness = new Dictionary<string, bool>(StringComparer.Ordinal);
        var abandoned = new List<AbandonedRun>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var owner = reader.GetString(1);
            if (!liveness.TryGetValue(owner, out var dead))
            {
                liveness[owner] = dead = ProcessOwner.IsDeadOnThisMachine(owner);
            }

            if (dead || string.CompareOrdinal(reader.GetString(2), expiredBefore) < 0)
            {
                abandoned.Add(new AbandonedRun(reader.GetValue(0), owner, reader.GetString(3), reader.GetInt64(4) != 0,
                    reader.GetInt32(5)));
            }
        }

        return abandoned;
    }
}
