namespace Orchestrator.Glue.Local;

/// <summary>
/// Grows a table's schema from the columns of new or changed partitions and records the drift: columns are
/// never dropped, a new column is appended (ColumnAdded), and a column whose values need a wider type gets it and a
/// TypeChanged record naming where the other type was seen.
/// </summary>
sealed class TableSchemaBuilder
{
    readonly List<SourceColumn> columns;
    readonly List<SchemaChange> changes = [];
    readonly string detectedBy;
    readonly DateTimeOffset detectedAt;
    bool seeding;

    public TableSchemaBuilder(IReadOnlyList<CatalogColumn>? existing, string detectedBy, DateTimeOffset detectedAt)
    {
        columns = existing?.Select(c => new SourceColumn(c.Name, DuckDbType.Parse(c.SourceType))).ToList() ?? [];
        seeding = existing is null;
        this.detectedBy = detectedBy;
        this.detectedAt = detectedAt;
    }

    public IReadOnlyList<SchemaChange> Changes => changes;

    public IReadOnlyList<CatalogColumn> Columns =>
        columns.Select(c => new CatalogColumn(c.Name, c.Type.ToGlue(), c.Type.ToSql())).ToList();

    /// <summary>Adds the columns found at <paramref name="location"/>; a new table's first set is its schema.</summary>
    public void Add(IEnumerable<SourceColumn> found, string location)
    {
        foreach (var column in found)
        {
            var index = columns.FindIndex(c => c.Name.Equals(column.Name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                columns.Add(column);
                if (!seeding)
                {
                    changes.Add(new SchemaChange(column.Name, SchemaChange.ColumnAdded, null, column.Type.ToGlue(),
                        location, detectedAt, detectedBy));
                }

                continue;
            }

            var current = columns[index].Type;
            var merged = DuckDbType.Merge(current, column.Type);
            columns[index] = columns[index] with { Type = merged };
            if (merged.ToGlue() != current.ToGlue())
            {
                changes.Add(new SchemaChange(column.Name, SchemaChange.TypeChanged, current.ToGlue(), merged.ToGlue(),
                    location, detectedAt, detectedBy));
            }
        }

        seeding = false;
    }
}
