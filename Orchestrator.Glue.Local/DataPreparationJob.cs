using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Local;

/// <summary>One run of a job: who it is, its arguments as given to StartJobRun, and when it started.</summary>
sealed record JobRunContext(
    string RunId,
    string JobName,
    LocalJobOptions Job,
    IReadOnlyDictionary<string, string> Arguments,
    DateTimeOffset StartedOn);

/// <summary>What a run did, plus how much memory DuckDB used for it.</summary>
sealed record DataPreparationResult(JobRunDetails Details, long DuckDbPeakMemoryBytes);

/// <summary>
/// The reusable data-preparation transform on DuckDB: raw files of one entity that no earlier run processed
/// (bookmarks) become ZSTD Parquet in the clean zone, partitioned by the date of the partition column, with the
/// conversions of <see cref="CleanProjection"/>. Output is staged and committed by <see cref="PartitionCommit"/>.
/// </summary>
sealed class DataPreparationJob(
    LocalGlueOptions options,
    LakeLayout layout,
    CatalogDatabase catalog,
    TimeProvider timeProvider,
    ILogger logger,
    JobStepHook? stepHook)
{
    const string BatchTable = "clean_batch";

    public async Task<DataPreparationResult> RunAsync(JobRunContext run, CancellationToken cancellationToken)
    {
        var arguments = DataPreparationArguments.Parse(run.Job.DefaultArguments, run.Arguments, options.Crawlers);
        layout.EnsureRootExists();
        var rawFolder = layout.EntityFolder(LakeZone.Raw, arguments.SourceEntity);
        if (!Directory.Exists(rawFolder))
        {
            throw new LakeInputException($"Raw folder '{rawFolder}' of {DataPreparationArguments.SourceEntityArgument} " +
                $"'{arguments.SourceEntity}' does not exist.");
        }

        await using var writer = await EntityWriterLock.AcquireAsync(
            layout.WriterLockFile(arguments.TargetEntity), cancellationToken);
        var commit = new PartitionCommit(layout, catalog, options, timeProvider, logger);
        var recovered = await commit.RecoverAsync(arguments.TargetEntity, cancellationToken);

        var files = LakeFile.List(rawFolder);
        if (files.Count == 0)
        {
            throw new LakeInputException($"Raw folder '{rawFolder}' has no data files (*.jsonl, *.ndjson, *.json, " +
                "*.csv, *.parquet).");
        }

        RawFileInspection.EnsureSameCsvHeaders(files.Where(f => f.Format == LakeFileFormat.Csv));
        var processed = await new JobBookmarks(catalog).GetAsync(run.JobName, arguments.TargetEntity, cancellationToken);
        var pending = files.Where(f => !processed.Contains(BookmarkOf(f))).ToList();
        if (pending.Count == 0)
        {
            logger.NoNewRawFiles(run.RunId);
            return new DataPreparationResult(Sum(recovered), 0);
        }

        var runFolder = layout.RunStagingFolder(arguments.TargetEntity, run.RunId);
        Directory.CreateDirectory(runFolder);
        try
        {
            DataPreparationResult result;
            using (var session = DuckDbSession.Open(options, Path.Combine(runFolder, "spill")))
            {
                result = await TransformAsync(session, commit, run, arguments, rawFolder, pending, runFolder,
                    cancellationToken);
            }

            Directory.Delete(runFolder, recursive: true);
            return result with { Details = Sum([.. recovered, result.Details]) };
        }
        catch when (!PartitionCommit.HasJournal(runFolder))
        {
            // Nothing was committed: the staged output is worthless. With a journal, the next run finishes it.
            TryDelete(runFolder);
            throw;
        }
    }

    async Task<DataPreparationResult> TransformAsync(DuckDbSession session, PartitionCommit commit,
        JobRunContext run, DataPreparationArguments arguments, string rawFolder, List<LakeFile> pending,
        string runFolder, CancellationToken cancellationToken)
    {
        // The blank-line check reads every file beside DuckDB inferring the schema; its message names
        // the bad line, so it wins when both fail.
        var lineCheck = Task.Run(() =>
        {
            foreach (var file in pending.Where(f => f.Format == LakeFileFormat.Json))
            {
                RawFileInspection.CountJsonLines(file.Path, cancellationToken);
            }
        }, cancellationToken);
        InferredSchema schema;
        try
        {
            // Every row decides the types: a sample would let a later 2.5 be read as the integer 2.
            schema = await SchemaInference.InferAsync(session, pending, fullScan: true, cancellationToken);
        }
        finally
        {
            await lineCheck;
        }

        var projection = CleanProjection.Plan(schema.Columns, arguments, options.DatetimeFormats, rawFolder);
        var totals = new BatchTotals();
        var copyFolders = new List<string>();
        foreach (var batch in Batches(pending))
        {
            var copyFolder = Path.Combine(runFolder, "copy-" + copyFolders.Count.ToString(CultureInfo.InvariantCulture));
            await ConvertBatchAsync(session, batch, projection, run.StartedOn, copyFolder, totals, cancellationToken);
            copyFolders.Add(copyFolder);
        }

        var partitions = commit.Gather(runFolder, run.RunId, arguments.TargetEntity, copyFolders);
        var details = new JobRunDetails(
            RowsRead: totals.RowsRead,
            RowsWritten: totals.RowsWritten,
            PartitionsAdded: partitions.Where(p => p.IsNew).Select(p => p.Folder).ToList(),
            PartitionsUpdated: partitions.Where(p => !p.IsNew).Select(p => p.Folder).ToList(),
            NullsFromFailedCasts: totals.FailedCasts.Where(f => f.Value > 0).ToDictionary(),
            RowsInDefaultPartition: totals.RowsInDefaultPartition,
            FilesProcessed: pending.Count,
            Writes: await PartitionCommit.CountStagedAsync(session, runFolder, partitions, cancellationToken));
        // Each line says what is true when it is written: staged output changes nothing until the commit point.
        logger.Staged(run.RunId, details.FilesProcessed, details.RowsWritten, partitions.Count);
        await Step(JobStep.Staged);
        var journal = new CommitJournal(run.RunId, run.JobName, arguments.TargetEntity, arguments.CleanDatabase,
            arguments.PartitionKey, totals.Columns, partitions, pending.Select(BookmarkOf).ToList(), details);
        await commit.CommitAsync(runFolder, journal, session, Step, cancellationToken);
        logger.Committed(run.RunId, details.RowsWritten, details.FilesProcessed, details.PartitionsAdded.Count,
            details.PartitionsUpdated.Count);
        return new DataPreparationResult(details, session.PeakMemoryBytes);

        ValueTask Step(JobStep step) =>
            stepHook?.Invoke(run.RunId, step, cancellationToken) ?? ValueTask.CompletedTask;
    }

    /// <summary>
    /// Converts one batch into a temporary table (so the failed casts can be counted without reading the raw files
    /// twice), then writes it partitioned.
    /// </summary>
    static async Task ConvertBatchAsync(DuckDbSession session, IReadOnlyList<LakeFile> batch,
        CleanProjection projection, DateTimeOffset startedOn, string copyFolder, BatchTotals totals,
        CancellationToken cancellationToken)
    {
        await CreateBatchTableAsync(session, batch, projection, startedOn, cancellationToken);
        var key = SqlText.Identifier(projection.PartitionKey);
        var counts = await session.QueryAsync(
            $"SELECT count(*), count(*) FILTER (WHERE {key} IS NULL)" +
            string.Concat(projection.FailureFlags.Select(f => $", count(*) FILTER (WHERE {f})")) +
            $" FROM {BatchTable}",
            reader => Enumerable.Range(0, reader.FieldCount).Select(reader.GetInt64).ToList(), cancellationToken);
        totals.RowsRead += counts[0][0];
        totals.RowsInDefaultPartition += counts[0][1];
        for (var i = 0; i < projection.ConvertedColumns.Count; i++)
        {
            var column = projection.ConvertedColumns[i];
            totals.FailedCasts[column] = totals.FailedCasts.GetValueOrDefault(column) + counts[0][i + 2];
        }

        var output = await session.QueryAsync($"DESCRIBE {BatchTable}",
            reader => new SourceColumn(reader.GetString(0), DuckDbType.Parse(reader.GetString(1))), cancellationToken);
        totals.AddColumns(output.Where(c => c.Name != projection.PartitionKey && !projection.FailureFlags.Contains(c.Name)));

        var exclude = projection.FailureFlags.Count == 0 ? string.Empty
            : $" EXCLUDE ({string.Join(", ", projection.FailureFlags)})";
        totals.RowsWritten += await session.ExecuteAsync(
            $"COPY (SELECT *{exclude} FROM {BatchTable}) TO {SqlText.Literal(copyFolder)} " +
            $"(FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY ({key}), FILENAME_PATTERN 'part_{{i}}')",
            cancellationToken);
        await session.ExecuteAsync($"DROP TABLE {BatchTable}", cancellationToken);
    }

    static async Task CreateBatchTableAsync(DuckDbSession session, IReadOnlyList<LakeFile> batch,
        CleanProjection projection, DateTimeOffset startedOn, CancellationToken cancellationToken)
    {
        var readers = new List<string>();
        foreach (var group in batch.GroupBy(f => f.Format))
        {
            var paths = group.Select(f => f.Path).ToList();
            // JSON takes every column's type; CSV and Parquet files of this batch name the columns they have.
            var present = group.Key == LakeFileFormat.Json
                ? new HashSet<string>(StringComparer.OrdinalIgnoreCase)
                : (await SchemaInference.DescribeAsync(session, group.Key, paths, fullScan: false, cancellationToken))
                    .Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            readers.Add(RawReaders.Typed(group.Key, paths, projection.ReadColumns, present));
        }

        await session.ExecuteAsync(
            $"CREATE OR REPLACE TEMP TABLE {BatchTable} AS {projection.Select(string.Join(" UNION ALL ", readers), startedOn)}",
            cancellationToken);
    }

    IEnumerable<List<LakeFile>> Batches(List<LakeFile> files)
    {
        var batch = new List<LakeFile>();
        long bytes = 0;
        foreach (var file in files)
        {
            if (batch.Count > 0 && bytes + file.Size > options.MaxBatchBytes)
            {
                yield return batch;
                (batch, bytes) = ([], 0);
            }

            batch.Add(file);
            bytes += file.Size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>
    /// One run's details from several commits (its own and those it finished for crashed runs). A partition one of
    /// them added counts as added, with the rows and files of all of them.
    /// </summary>
    static JobRunDetails Sum(IReadOnlyList<JobRunDetails> parts) => new(
        parts.Sum(p => p.RowsRead),
        parts.Sum(p => p.RowsWritten),
        parts.SelectMany(p => p.PartitionsAdded).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        parts.SelectMany(p => p.PartitionsUpdated).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Where(p => !parts.Any(q => q.PartitionsAdded.Contains(p))).ToList(),
        parts.SelectMany(p => p.NullsFromFailedCasts).GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal),
        parts.Sum(p => p.RowsInDefaultPartition),
        parts.Sum(p => p.FilesProcessed),
        parts.SelectMany(p => p.PartitionWrites())
            .GroupBy(w => w.Partition, StringComparer.Ordinal)
            .Select(g => new PartitionWrite(g.Key, g.Any(w => w.Added), g.Sum(w => w.Rows), g.Sum(w => w.Files)))
            .OrderBy(w => w.Partition, StringComparer.Ordinal)
            .ToList());

    Bookmark BookmarkOf(LakeFile file) => Bookmark.Of(layout, file);

    static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Left behind; the next run of the entity deletes abandoned staging.
        }
    }

    /// <summary>Counters summed over a run's batches.</summary>
    sealed class BatchTotals
    {
        readonly TableSchemaBuilder columns = new(null, string.Empty, DateTimeOffset.MinValue);

        public long RowsRead { get; set; }

        public long RowsWritten { get; set; }

        public long RowsInDefaultPartition { get; set; }

        public Dictionary<string, long> FailedCasts { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<CatalogColumn> Columns => columns.Columns;

        public void AddColumns(IEnumerable<SourceColumn> output) => columns.Add(output, string.Empty);
    }
}
