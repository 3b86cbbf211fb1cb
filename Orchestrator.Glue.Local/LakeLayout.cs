namespace Orchestrator.Glue.Local;

/// <summary>
/// Where things live under the lake root: <c>raw/&lt;entity&gt;/…</c> and <c>clean/&lt;entity&gt;/&lt;key&gt;=&lt;date&gt;/</c>
/// hold data; <c>_staging/&lt;entity&gt;/&lt;run&gt;/</c> holds a job's output until it is moved into place, on the same
/// file system so each move is an atomic rename.
/// </summary>
sealed class LakeLayout(string lakeRoot)
{
    /// <summary>Hive's name for the partition of rows whose key is NULL.</summary>
    public const string DefaultPartitionValue = "__HIVE_DEFAULT_PARTITION__";

    public string Root { get; } = Path.GetFullPath(lakeRoot);

    public string Zone(string zone) => Path.Combine(Root, zone);

    public string EntityFolder(string zone, string entity) => Path.Combine(Root, zone, entity);

    public string StagingFolder(string entity) => Path.Combine(Root, "_staging", entity);

    public string RunStagingFolder(string entity, string runId) => Path.Combine(StagingFolder(entity), runId);

    /// <summary>Held (exclusively opened) while a job writes the entity's clean data, across processes too.</summary>
    public string WriterLockFile(string entity) => Path.Combine(Root, "_staging", entity + ".lock");

    /// <summary>The lake root, or an error that says how to fix a missing one.</summary>
    public void EnsureRootExists()
    {
        if (!Directory.Exists(Root))
        {
            throw new LakeInputException(
                $"Lake root '{Root}' does not exist; set {LocalGlueOptions.SectionPath}:LakeRoot to the lake folder " +
                "or write sample data into it first.");
        }
    }

    public string RelativePath(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');
}
