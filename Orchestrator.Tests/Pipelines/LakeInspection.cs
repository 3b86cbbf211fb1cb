using Microsoft.Data.Sqlite;
using Orchestrator.Sqlite;

namespace Orchestrator.Tests.Pipelines;

/// <summary>What a user would look at after a run: Parquet files read back with DuckDB, and the local catalog's records.</summary>
public sealed class LakeInspection(string dataDirectory)
{
    string Catalog => Path.Combine(dataDirectory, "catalog.db");

    public string CleanZone => Path.Combine(dataDirectory, "lake", "clean");

    public long CleanRows(string entity) => new Orchestrator.Host.Rehearsal.LakeReader(Path.Combine(dataDirectory, "lake")).CleanRows(entity);

    public IReadOnlyList<string> CatalogTables(string database) =>
        Query("SELECT Name FROM Tables WHERE DatabaseName = @d ORDER BY Name", r => r.GetString(0), ("@d", database));

    /// <summary>Every job run the local engine recorded, oldest first.</summary>
    public IReadOnlyList<JobRunRecord> JobRuns() =>
        Query("SELECT Id, Marker, State, StartedTime, CompletedTime FROM JobRuns ORDER BY StartedTime",
            r => new JobRunRecord(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2),
                SqliteTime.Parse(r.GetString(3)), r.IsDBNull(4) ? null : SqliteTime.Parse(r.GetString(4))));

    public IReadOnlyList<JobRunRecord> JobRunsOf(string runId, string entity) =>
        JobRuns().Where(r => r.Marker?.StartsWith($"{runId}/{entity}/", StringComparison.Ordinal) == true).ToList();

    /// <summary>The most job runs that were running at the same moment.</summary>
    public static int MaxOverlap(IEnumerable<JobRunRecord> runs)
    {
        var edges = runs.SelectMany(r => new[] { (Time: r.StartedOn, Delta: 1), (Time: r.CompletedOn ?? DateTime.MaxValue, Delta: -1) })
            .OrderBy(e => e.Time).ThenBy(e => e.Delta);
        int current = 0, max = 0;
        foreach (var edge in edges)
        {
            current += edge.Delta;
            max = Math.Max(max, current);
        }

        return max;
    }

    IReadOnlyList<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object Value)[] parameters) =>
        SqliteFile.QueryReadOnly(Catalog, sql, map, parameters);
}

public sealed record JobRunRecord(string Id, string? Marker, string State, DateTime StartedOn, DateTime? CompletedOn);
