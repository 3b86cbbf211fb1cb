namespace Orchestrator.Glue.Local;

/// <summary>The data file formats the engine reads; JSON means JSON Lines (one object per line).</summary>
enum LakeFileFormat
{
    Json,
    Csv,
    Parquet,
}

/// <summary>One <c>key=value</c> folder above a data file (a Hive partition).</summary>
readonly record struct PartitionValue(string Key, string Value)
{
    public override string ToString() => Key + "=" + Value;
}

/// <summary>A data file of an entity folder, with what bookmarks and partitions need to know about it.</summary>
sealed record LakeFile(
    string Path,
    LakeFileFormat Format,
    long Size,
    DateTime LastWriteUtc,
    IReadOnlyList<PartitionValue> Partition)
{
    public string Folder => System.IO.Path.GetDirectoryName(Path)!;

    public static LakeFileFormat? FormatOf(string fileName) =>
        System.IO.Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" or ".json" => LakeFileFormat.Json,
            ".csv" => LakeFileFormat.Csv,
            ".parquet" => LakeFileFormat.Parquet,
            _ => null,
        };

    /// <summary>
    /// Every data file under <paramref name="entityFolder"/>, in path order, skipping hidden folders and files
    /// (<c>_…</c>, <c>.…</c>) and files of other types. Folders that are not <c>key=value</c> become
    /// <c>partition_0</c>, <c>partition_1</c>, … as a Glue crawler names them.
    /// </summary>
    public static List<LakeFile> List(string entityFolder)
    {
        var files = new List<LakeFile>();
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = FileAttributes.Hidden };
        Walk(entityFolder, []);
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;

        void Walk(string folder, List<PartitionValue> partition)
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", options))
            {
                if (!LakeNames.IsHidden(file.Name) && FormatOf(file.Name) is { } format)
                {
                    files.Add(new LakeFile(file.FullName, format, file.Length, file.LastWriteTimeUtc, partition));
                }
            }

            foreach (var child in new DirectoryInfo(folder).EnumerateDirectories("*", options))
            {
                if (LakeNames.IsHidden(child.Name))
                {
                    continue;
                }

                var separator = child.Name.IndexOf('=', StringComparison.Ordinal);
                var value = separator > 0
                    ? new PartitionValue(child.Name[..separator], Uri.UnescapeDataString(child.Name[(separator + 1)..]))
                    : new PartitionValue("partition_" + partition.Count, child.Name);
                Walk(child.FullName, [.. partition, value]);
            }
        }
    }
}
