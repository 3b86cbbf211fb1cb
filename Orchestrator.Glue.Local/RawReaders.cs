using System.Text;

namespace Orchestrator.Glue.Local;

/// <summary>A column as the engine reads it from files.</summary>
sealed record SourceColumn(string Name, DuckDbType Type);

/// <summary>
/// The DuckDB table functions that read data files: one that infers the schema (for <c>DESCRIBE</c>) and one with
/// every column's type given, so a job reads exactly the schema it planned for. Hive folders are never read as
/// columns: raw <c>ingest_date</c>/<c>ingest_hour</c> describe the delivery, not the data.
/// </summary>
static class RawReaders
{
    /// <summary>A reader that infers the schema; <paramref name="fullScan"/> reads every row instead of a sample.</summary>
    public static string Inferring(LakeFileFormat format, IEnumerable<string> paths, bool fullScan)
    {
        var sample = fullScan ? ", sample_size = -1" : string.Empty;
        var files = SqlText.LiteralList(paths);
        return format switch
        {
            LakeFileFormat.Json =>
                $"read_json({files}, format = 'newline_delimited', union_by_name = true, hive_partitioning = false{sample})",
            LakeFileFormat.Csv =>
                $"read_csv({files}, header = true, union_by_name = true, hive_partitioning = false{sample})",
            _ => $"read_parquet({files}, union_by_name = true, hive_partitioning = false)",
        };
    }

    /// <summary>
    /// <c>SELECT</c> of <paramref name="columns"/>, in order and with their types, from files of one format.
    /// For CSV and Parquet, <paramref name="present"/> are the columns these files have; the others are NULL.
    /// </summary>
    public static string Typed(LakeFileFormat format, IEnumerable<string> paths, IReadOnlyList<SourceColumn> columns,
        IReadOnlySet<string> present)
    {
        var files = SqlText.LiteralList(paths);
        var reader = format switch
        {
            // JSON Lines: the reader converts each value to the given type; absent keys are NULL.
            LakeFileFormat.Json => $"read_json({files}, format = 'newline_delimited', hive_partitioning = false, " +
                $"columns = {{{string.Join(", ", columns.Select(c => SqlText.Literal(c.Name) + ": " + SqlText.Literal(c.Type.ToSql())))}}})",
            LakeFileFormat.Csv => $"read_csv({files}, header = true, union_by_name = true, hive_partitioning = false, " +
                $"types = {{{string.Join(", ", columns.Where(c => present.Contains(c.Name)).Select(c => SqlText.Literal(c.Name) + ": " + SqlText.Literal(c.Type.ToSql())))}}})",
            _ => $"read_parquet({files}, union_by_name = true, hive_partitioning = false)",
        };
        var select = new StringBuilder("SELECT ");
        for (var i = 0; i < columns.Count; i++)
        {
            var (name, type) = (SqlText.Identifier(columns[i].Name), columns[i].Type.ToSql());
            select.Append(i == 0 ? string.Empty : ", ");
            select.Append(format == LakeFileFormat.Json ? name
                : present.Contains(columns[i].Name) ? $"CAST({name} AS {type}) AS {name}"
                : $"CAST(NULL AS {type}) AS {name}");
        }

        return select.Append(" FROM ").Append(reader).ToString();
    }
}
