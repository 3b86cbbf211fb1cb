using Microsoft.Data.Sqlite;

namespace Orchestrator.Activities.Glue.Local;

/// <summary>
/// Finds active job runs or crawls whose process is gone: their lease ran out, or their owner is a process of this
/// machine that no longer runs (so a restart reports them at once, not a lease later).
/// </summary>
internal static class AbandonedRuns
{
    /// <summary>
    /// Runs <paramref name="select"/>, which yields (id, owner, lease_until) of active rows of other owners, and
    /// returns the ids of the abandoned ones.
    /// </summary>
    public static async Task<List<object>> FindAsync(SqliteCommand select, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var expiredBefore = CatalogTime.Format(now);
        var liveness = new Dictionary<string, bool>(StringComparer.Ordinal);
        var abandoned = new List<object>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var owner = reader.GetString(1);
            if (!liveness.TryGetValue(owner, out var dead))
            {
                liveness[owner] = dead = RunOwner.IsDeadOnThisMachine(owner);
            }

            if (dead || string.CompareOrdinal(reader.GetString(2), expiredBefore) < 0)
            {
                abandoned.Add(reader.GetValue(0));
            }
        }

        return abandoned;
    }
}
