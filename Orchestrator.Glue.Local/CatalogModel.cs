namespace Orchestrator.Glue.Local;

/// <summary>A table of the local catalog, shaped like a Glue table: columns, partition keys and partitions.</summary>
sealed record CatalogTable(
    string Database,
    string Name,
    string Location,
    string Classification,
    IReadOnlyList<string> PartitionKeys,
    IReadOnlyList<CatalogColumn> Columns,
    IReadOnlyList<CatalogPartition> Partitions,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string UpdatedBy);

/// <summary>A column with its Glue/Hive type and the DuckDB type it was read as.</summary>
sealed record CatalogColumn(string Name, string Type, string SourceType);

/// <summary>
/// A partition: its values, folder, size and the columns found in it. The fingerprint (files, sizes, times) tells a
/// later crawl whether the folder changed.
/// </summary>
sealed record CatalogPartition(
    IReadOnlyList<string> Values,
    string Location,
    int FileCount,
    long RowCount,
    long SizeBytes,
    string Fingerprint,
    IReadOnlyList<CatalogColumn> Columns);

/// <summary>A schema change a crawl found: a column added, or a column whose type changed (and where).</summary>
sealed record SchemaChange(
    string Column,
    string Change,
    string? OldType,
    string NewType,
    string? Location,
    DateTimeOffset DetectedAt,
    string DetectedBy)
{
    public const string ColumnAdded = "ColumnAdded";
    public const string TypeChanged = "TypeChanged";
}
