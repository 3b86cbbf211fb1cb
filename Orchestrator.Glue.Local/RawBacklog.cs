namespace Orchestrator.Glue.Local;

/// <summary>
/// The raw files of an entity that the data-preparation job has not yet turned into clean data for its target: those
/// without a bookmark, or whose size or time changed since. The job converts exactly these, so the answer is exact.
/// </summary>
static class RawBacklog
{
    public static async Task<RawDataCheck> CheckAsync(LakeLayout layout, CatalogDatabase catalog, string jobName,
        DataPreparationArguments arguments, CancellationToken cancellationToken)
    {
        var rawFolder = layout.EntityFolder(LakeZone.Raw, arguments.SourceEntity);
        var relativeFolder = layout.RelativePath(rawFolder);
        if (!Directory.Exists(rawFolder))
        {
            return new RawDataCheck(false, null, 0, 0, $"the raw folder {relativeFolder} does not exist");
        }

        var files = LakeFile.List(rawFolder);
        var processed = await new JobBookmarks(catalog).GetAsync(jobName, arguments.TargetEntity, cancellationToken);
        var pending = files.Where(f => !processed.Contains(Bookmark.Of(layout, f))).ToList();
        var newest = (pending.Count > 0 ? pending : files).Select(PartitionOf).Max(StringComparer.Ordinal);
        var basis = $"{pending.Count} of the {files.Count} raw files under {relativeFolder} have no bookmark of job " +
            $"'{jobName}' for '{arguments.TargetEntity}'";
        return new RawDataCheck(pending.Count > 0, newest, pending.Count, pending.Sum(f => f.Size), basis);
    }

    /// <summary>The file's partition as <c>key=value/key=value</c>; a file at the entity folder's top has none.</summary>
    static string? PartitionOf(LakeFile file) =>
        file.Partition.Count == 0 ? null : string.Join('/', file.Partition);
}
