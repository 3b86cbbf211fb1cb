namespace Orchestrator.Glue.Local;

/// <summary>Columns inferred from a set of files, with types merged across them.</summary>
sealed record InferredSchema(IReadOnlyList<SourceColumn> Columns);

/// <summary>
/// Schema inference with DuckDB. Inferring over many files at once is memory-hungry (the memory limit does not cap
/// it), so files are described in small batches and the results merged here.
/// </summary>
static class SchemaInference
{
    const int FilesPerDescribe = 64;

    public static async Task<InferredSchema> InferAsync(
        DuckDbSession session, IEnumerable<LakeFile> files, bool fullScan, CancellationToken cancellationToken)
    {
        var merged = new List<SourceColumn>();
        foreach (var group in files.GroupBy(f => f.Format))
        {
            foreach (var chunk in group.Chunk(FilesPerDescribe))
            {
                var columns = await DescribeAsync(session, group.Key, chunk.Select(f => f.Path), fullScan,
                    cancellationToken);
                foreach (var column in columns)
                {
                    var index = merged.FindIndex(c => c.Name.Equals(column.Name, StringComparison.OrdinalIgnoreCase));
                    if (index < 0)
                    {
                        merged.Add(column);
                    }
                    else
                    {
                        merged[index] = merged[index] with { Type = DuckDbType.Merge(merged[index].Type, column.Type) };
                    }
                }
            }
        }

        return new InferredSchema(merged);
    }

    /// <summary>The columns of files of one format; for text formats, date-like and JSON types read as text.</summary>
    public static async Task<List<SourceColumn>> DescribeAsync(DuckDbSession session, LakeFileFormat format,
        IEnumerable<string> paths, bool fullScan, CancellationToken cancellationToken)
    {
        var sql = "DESCRIBE SELECT * FROM " + RawReaders.Inferring(format, paths, fullScan);
        return await session.QueryAsync(sql, reader =>
        {
            var type = DuckDbType.Parse(reader.GetString(1));
            return new SourceColumn(reader.GetString(0), format == LakeFileFormat.Parquet ? type : type.AsTextSource());
        }, cancellationToken);
    }
}
