using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Local;

/// <summary>A partition folder (<c>key=value</c>) a run staged, and whether the clean zone had it before.</summary>
sealed record StagedPartition(string Folder, bool IsNew, IReadOnlyList<string> Files);

/// <summary>Everything needed to finish a run's commit, written before the first move so a crash can be redone.</summary>
sealed record CommitJournal(
    string RunId,
    string JobName,
    string Target,
    string CleanDatabase,
    string PartitionKey,
    IReadOnlyList<CatalogColumn> Columns,
    IReadOnlyList<StagedPartition> Partitions,
    IReadOnlyList<Bookmark> Bookmarks,
    JobRunDetails Details);

/// <summary>
/// Puts a run's staged Parquet into the clean zone. The order makes a crash at any point harmless:
/// (1) the journal is written (the commit point; before it the clean zone and the bookmarks are untouched);
/// (2) partitions are moved in, each by atomic renames (a new partition as one folder rename);
/// (3) the clean catalog and the bookmarks are written in one SQLite transaction;
/// (4) the staging folder, journal included, is deleted.
/// Every step is idempotent, so the next run of the entity finds a leftover journal and redoes (2)–(4); a staging
/// folder without a journal is abandoned output and is deleted.
/// </summary>
sealed class PartitionCommit(
    LakeLayout layout, CatalogDatabase catalog, LocalGlueOptions options, TimeProvider timeProvider, ILogger logger)
{
    const string JournalFile = "commit.json";
    const string ReadyFolder = "ready";

    /// <summary>
    /// Renames the output of every COPY into <c>ready/&lt;key=value&gt;/&lt;run&gt;-&lt;n&gt;.parquet</c>, names unique
    /// in the clean zone, and notes which partitions are new.
    /// </summary>
    public IReadOnlyList<StagedPartition> Gather(string runFolder, string runId, string target, IEnumerable<string> copyFolders)
    {
        var cleanFolder = layout.EntityFolder(LakeZone.Clean, target);
        var partitions = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var sequence = 0;
        foreach (var copyFolder in copyFolders.Where(Directory.Exists))
        {
            foreach (var partitionFolder in Directory.EnumerateDirectories(copyFolder).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(partitionFolder);
                var ready = Path.Combine(runFolder, ReadyFolder, name);
                Directory.CreateDirectory(ready);
                if (!partitions.TryGetValue(name, out var files))
                {
                    partitions[name] = files = [];
                }

                foreach (var file in Directory.EnumerateFiles(partitionFolder, "*.parquet").Order(StringComparer.Ordinal))
                {
                    var fileName = string.Create(CultureInfo.InvariantCulture, $"{runId}-{sequence++:D4}.parquet");
                    File.Move(file, Path.Combine(ready, fileName));
                    files.Add(fileName);
                }
            }
        }

        return partitions
            .Select(p => new StagedPartition(p.Key, !Directory.Exists(Path.Combine(cleanFolder, p.Key)), p.Value))
            .ToList();
    }

    public static bool HasJournal(string runFolder) => File.Exists(Path.Combine(runFolder, JournalFile));

    /// <summary>
    /// What each staged partition adds to the clean zone: rows as the staged Parquet footers count them (what was
    /// written, not what was read), and files.
    /// </summary>
    public static async Task<IReadOnlyList<PartitionWrite>> CountStagedAsync(DuckDbSession session, string runFolder,
        IReadOnlyList<StagedPartition> partitions, CancellationToken cancellationToken)
    {
        string PathOf(StagedPartition partition, string file) => Path.Combine(runFolder, ReadyFolder, partition.Folder, file);
        var rows = await RowsPerFileAsync(session,
            partitions.SelectMany(p => p.Files.Select(f => PathOf(p, f))).ToList(), cancellationToken);
        return partitions
            .Select(p => new PartitionWrite(p.Folder, p.IsNew, p.Files.Sum(f => rows.GetValueOrDefault(PathOf(p, f))), p.Files.Count))
            .ToList();
    }

    /// <summary>Writes the journal, then applies it.</summary>
    public async Task CommitAsync(string runFolder, CommitJournal journal, DuckDbSession session,
        Func<JobStep, ValueTask> onStep, CancellationToken cancellationToken)
    {
        var path = Path.Combine(runFolder, JournalFile);
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, journal, cancellationToken: cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        await ApplyAsync(runFolder, journal, session, onStep);
    }

    /// <summary>
    /// Finishes commits of <paramref name="target"/> that a crashed run left, and deletes abandoned staging. Call it
    /// holding the entity's writer lock. Returns what the finished commits wrote, now visible.
    /// </summary>
    public async Task<IReadOnlyList<JobRunDetails>> RecoverAsync(string target, CancellationToken cancellationToken)
    {
        var staging = layout.StagingFolder(target);
        var recovered = new List<JobRunDetails>();
        if (!Directory.Exists(staging))
        {
            return recovered;
        }

        foreach (var runFolder in Directory.EnumerateDirectories(staging).Order(StringComparer.Ordinal))
        {
            var journalPath = Path.Combine(runFolder, JournalFile);
            if (File.Exists(journalPath))
            {
                await using var stream = File.OpenRead(journalPath);
                var journal = await JsonSerializer.DeserializeAsync<CommitJournal>(stream, cancellationToken: cancellationToken)
                    ?? throw new InvalidDataException($"Commit journal '{journalPath}' is empty.");
                using (var session = DuckDbSession.Open(options, spillDirectory: null))
                {
                    await ApplyAsync(runFolder, journal, session, _ => ValueTask.CompletedTask);
                }

                logger.InterruptedCommitFinished(journal.RunId, journal.Partitions.Count);
                recovered.Add(journal.Details);
            }

            Directory.Delete(runFolder, recursive: true);
        }

        return recovered;
    }

    // Not cancellable: once the journal exists, stopping half-way would only leave more to recover.
    async Task ApplyAsync(
        string runFolder, CommitJournal journal, DuckDbSession session, Func<JobStep, ValueTask> onStep)
    {
        var cleanFolder = layout.EntityFolder(LakeZone.Clean, journal.Target);
        Directory.CreateDirectory(cleanFolder);
        foreach (var partition in journal.Partitions)
        {
            var ready = Path.Combine(runFolder, ReadyFolder, partition.Folder);
            var destination = Path.Combine(cleanFolder, partition.Folder);
            if (partition.IsNew && Directory.Exists(ready) && !Directory.Exists(destination))
            {
                Directory.Move(ready, destination);
            }
            else
            {
                Directory.CreateDirectory(destination);
                foreach (var file in partition.Files.Where(f => File.Exists(Path.Combine(ready, f))))
                {
                    File.Move(Path.Combine(ready, file), Path.Combine(destination, file), overwrite: true);
                }
            }

            await onStep(JobStep.PartitionMoved);
        }

        var now = timeProvider.GetUtcNow();
        var existing = await new CatalogTables(catalog).GetTableAsync(
            journal.CleanDatabase, journal.Target, CancellationToken.None);
        var partitions = await DescribePartitionsAsync(session, cleanFolder, journal, existing, now);
        var schema = new TableSchemaBuilder(existing?.Columns, "job run " + journal.RunId, now);
        schema.Add(journal.Columns.Select(c => new SourceColumn(c.Name, DuckDbType.Parse(c.SourceType))), cleanFolder);
        var table = new CatalogTable(journal.CleanDatabase, journal.Target, cleanFolder, "parquet",
            [journal.PartitionKey], schema.Columns, partitions, existing?.CreatedAt ?? now, now,
            "job run " + journal.RunId);
        await catalog.WriteAsync(async (connection, transaction) =>
        {
            await CatalogTables.UpsertDatabaseAsync(connection, transaction, journal.CleanDatabase, LakeZone.Clean,
                layout.Zone(LakeZone.Clean), now, CancellationToken.None);
            await CatalogTables.SaveTableAsync(connection, transaction, table, null, schema.Changes,
                CancellationToken.None);
            await JobBookmarks.SaveAsync(connection, transaction, journal.JobName, journal.Target, journal.Bookmarks,
                journal.RunId, now, CancellationToken.None);
            return true;
        }, CancellationToken.None);
    }

    static async Task<List<CatalogPartition>> DescribePartitionsAsync(DuckDbSession session,
        string cleanFolder, CommitJournal journal, CatalogTable? existing, DateTimeOffset now)
    {
        var folders = journal.Partitions.Select(p => Path.Combine(cleanFolder, p.Folder)).ToList();
        var files = folders.ToDictionary(f => f, f => new DirectoryInfo(f).EnumerateFiles("*.parquet")
            .Where(file => !LakeNames.IsHidden(file.Name)).ToList());
        var rows = await RowsPerFileAsync(session,
            files.Values.SelectMany(f => f).Select(f => f.FullName).ToList(), CancellationToken.None);
        return folders.Select(folder => new CatalogPartition(
            [Path.GetFileName(folder)[(journal.PartitionKey.Length + 1)..]],
            folder,
            files[folder].Count,
            files[folder].Sum(f => rows.GetValueOrDefault(f.FullName)),
            files[folder].Sum(f => f.Length),
            PartitionFingerprint.Of(files[folder]),
            ColumnsOf(folder))).ToList();

        // An updated partition keeps the columns its older files have.
        IReadOnlyList<CatalogColumn> ColumnsOf(string folder)
        {
            var before = existing?.Partitions.FirstOrDefault(p => p.Location == folder)?.Columns;
            if (before is null)
            {
                return journal.Columns;
            }

            var merged = new TableSchemaBuilder(before, "job run " + journal.RunId, now);
            merged.Add(journal.Columns.Select(c => new SourceColumn(c.Name, DuckDbType.Parse(c.SourceType))), folder);
            return merged.Columns;
        }
    }

    /// <summary>Rows per Parquet file, from the footers (keyed by the path as given).</summary>
    static async Task<Dictionary<string, long>> RowsPerFileAsync(
        DuckDbSession session, IReadOnlyList<string> paths, CancellationToken cancellationToken) =>
        paths.Count == 0
            ? new Dictionary<string, long>(StringComparer.Ordinal)
            : (await session.QueryAsync(
                $"SELECT file_name, num_rows FROM parquet_file_metadata({SqlText.LiteralList(paths)})",
                reader => (File: reader.GetString(0), Rows: reader.GetInt64(1)), cancellationToken))
            .ToDictionary(r => r.File, r => r.Rows, StringComparer.Ordinal);
}
