using System.Globalization;
using DuckDB.NET.Data;

namespace Orchestrator.Host.Rehearsal;

/// <summary>The clean zone read back as a user would: the Parquet files of an entity, counted with DuckDB.</summary>
public sealed class LakeReader(string lakeRoot)
{
    public long CleanRows(string entity)
    {
        var folder = Path.Combine(lakeRoot, "clean", entity);
        if (!Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*.parquet", SearchOption.AllDirectories).Any())
        {
            return 0;
        }

        var files = Path.Combine(lakeRoot, "clean", entity, "**", "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{files}', hive_partitioning = true)";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
