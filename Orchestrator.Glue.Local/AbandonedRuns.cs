using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Orchestrator.Sqlite;

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
    /// of them. <paramref name="select"/> (with <paramref name="parameters"/>) yields the columns Id, Owner,
    /// LeaseExpiration, Name, StopRequested and Restarts of the active rows of other owners; <paramref name="takeOver"/>
    /// fences its update on the row's id and dead owner. Looks first without the write lock: polls call this often and
    /// mostly find nothing.
    /// </summary>
    public static async Task<IReadOnlyList<T>> TakeOverAsync<T>(CatalogDatabase database, DateTimeOffset now,
        string select, object parameters,
        Func<SqliteConnection, SqliteTransaction, AbandonedRun, Task<T?>> takeOver, CancellationToken cancellationToken)
        where T : class
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if ((await FindAsync(connection, null)).Count == 0)
            {
                return [];
            }
        }

        return await database.WriteAsync<IReadOnlyList<T>>(async (connection, transaction) =>
        {
            var taken = new List<T>();
            foreach (var run in await FindAsync(connection, transaction))
            {
                if (await takeOver(connection, transaction, run) is { } result)
                {
                    taken.Add(result);
                }
            }

            return taken;
        }, cancellationToken);

        async Task<List<AbandonedRun>> FindAsync(SqliteConnection connection, SqliteTransaction? transaction)
        {
            var expiredBefore = SqliteTime.ToText(now);
            var liveness = new Dictionary<string, bool>(StringComparer.Ordinal);
            var abandoned = new List<AbandonedRun>();
            foreach (var row in await connection.QueryAsync<ActiveRow>(
                new CommandDefinition(select, parameters, transaction, cancellationToken: cancellationToken)))
            {
                if (!liveness.TryGetValue(row.Owner, out var dead))
                {
                    liveness[row.Owner] = dead = ProcessOwner.IsDeadOnThisMachine(row.Owner);
                }

                if (dead || string.CompareOrdinal(row.LeaseExpiration, expiredBefore) < 0)
                {
                    abandoned.Add(new AbandonedRun(row.Id, row.Owner, row.Name, row.StopRequested, row.Restarts));
                }
            }

            return abandoned;
        }
    }

    sealed class ActiveRow
    {
        public object Id { get; init; } = "";
        public string Owner { get; init; } = "";
        public string LeaseExpiration { get; init; } = "";
        public string Name { get; init; } = "";
        public bool StopRequested { get; init; }
        public int Restarts { get; init; }
    }
}
