using System.Globalization;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Local;

/// <summary>
/// The local crawler: one table per entity folder of a zone, with Glue/Hive column types, partition keys from the
/// <c>key=value</c> folders, and each partition's files and rows. Partitions whose files did not change since the
/// last crawl are not read again; new or changed ones are described with DuckDB one folder at a time and their
/// columns merged into the table, recording schema drift.
/// </summary>
sealed class LocalCrawler(
    LocalGlueOptions options, LakeLayout layout, CatalogDatabase catalog, TimeProvider timeProvider, ILogger logger)
{
    public async Task<CrawlOutcome> RunAsync(
        string crawlerName, LocalCrawlerOptions crawler, CancellationToken cancellationToken)
    {
        layout.EnsureRootExists();
        var zoneFolder = layout.Zone(crawler.Zone);
        if (!Directory.Exists(zoneFolder))
        {
            throw new LakeInputException($"Zone folder '{zoneFolder}' of crawler '{crawlerName}' does not exist.");
        }

        var now = timeProvider.GetUtcNow();
        await catalog.WriteAsync(async (connection, transaction) =>
        {
            await CatalogTables.UpsertDatabaseAsync(connection, transaction, crawler.Database, crawler.Zone,
                zoneFolder, now, cancellationToken);
            return true;
        }, cancellationToken);

        using var session = DuckDbSession.Open(options, spillDirectory: null);
        var (created, updated, added) = (0, 0, 0);
        var errors = new List<string>();
        foreach (var folder in EntityFolders(crawlerName, crawler, zoneFolder))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!LakeNames.IsName(Path.GetFileName(folder)))
            {
                logger.FolderNotATable(crawlerName, folder);
                continue;
            }

            try
            {
                var result = await CrawlTableAsync(session, crawlerName, crawler, folder, now, cancellationToken);
                created += result.Created ? 1 : 0;
                updated += result.Updated ? 1 : 0;
                added += result.PartitionsAdded;
            }
            catch (Exception error) when (error is LakeInputException or DuckDBException or IOException)
            {
                errors.Add($"Table '{Path.GetFileName(folder)}': {error.Message}");
            }
        }

        logger.CrawlSummary(crawlerName, created, updated, added, errors.Count);
        return new CrawlOutcome(errors.Count == 0 ? CrawlStatus.Succeeded : CrawlStatus.Failed,
            errors.Count == 0 ? null : string.Join(" ", errors), created, updated, added);
    }

    /// <summary>
    /// Every entity folder of the zone, or only those the crawler is limited to (<see cref="LocalCrawlerOptions.Tables"/>:
    /// a per-entity crawler). A listed folder that does not exist yet is no table and no error, as with a Glue
    /// crawler whose S3 path is still empty.
    /// </summary>
    IEnumerable<string> EntityFolders(string crawlerName, LocalCrawlerOptions crawler, string zoneFolder)
    {
        if (crawler.Tables.Count == 0)
        {
            return Directory.EnumerateDirectories(zoneFolder)
                .Where(f => !LakeNames.IsHidden(Path.GetFileName(f)))
                .Order(StringComparer.Ordinal);
        }

        var listed = crawler.Tables.Select(t => Path.Combine(zoneFolder, t)).Order(StringComparer.Ordinal).ToList();
        foreach (var missing in listed.Where(f => !Directory.Exists(f)))
        {
            logger.ListedFolderMissing(crawlerName, missing);
        }

        return listed.Where(Directory.Exists);
    }

    async Task<(bool Created, bool Updated, int PartitionsAdded)> CrawlTableAsync(DuckDbSession session,
        string crawlerName, LocalCrawlerOptions crawler, string folder, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(folder);
        var files = LakeFile.List(folder);
        if (files.Count == 0)
        {
            logger.FolderEmpty(crawlerName, folder);
            return (false, false, 0);
        }

        var keys = files[0].Partition.Select(p => p.Key).ToList();
        var stray = files.FirstOrDefault(f => !f.Partition.Select(p => p.Key).SequenceEqual(keys));
        if (stray is not null)
        {
            throw new LakeInputException($"File '{stray.Path}' lies under partition keys " +
                $"({string.Join(", ", stray.Partition.Select(p => p.Key))}) but '{files[0].Path}' under " +
                $"({string.Join(", ", keys)}); one table has one set of partition keys.");
        }

        RawFileInspection.EnsureSameCsvHeaders(files.Where(f => f.Format == LakeFileFormat.Csv));
        var existing = await new CatalogTables(catalog).GetTableAsync(crawler.Database, name, cancellationToken);
        var known = existing?.Partitions.ToDictionary(p => p.Location, StringComparer.Ordinal) ?? [];
        var by = "crawler " + crawlerName;
        var schema = new TableSchemaBuilder(existing?.Columns, by, now);
        var changed = new List<CatalogPartition>();
        var locations = new List<string>();
        var partitionsAdded = 0;
        foreach (var partition in files.GroupBy(f => f.Folder))
        {
            var fileInfos = partition.Select(f => new FileInfo(f.Path)).ToList();
            var fingerprint = PartitionFingerprint.Of(fileInfos);
            locations.Add(partition.Key);
            if (known.TryGetValue(partition.Key, out var before) && before.Fingerprint == fingerprint)
            {
                continue;
            }

            var inferred = await SchemaInference.InferAsync(session, partition, fullScan: false, cancellationToken);
            var rows = await CountRowsAsync(session, partition.ToList(), cancellationToken);
            var columns = inferred.Columns.Select(c => new CatalogColumn(c.Name, c.Type.ToGlue(), c.Type.ToSql())).ToList();
            changed.Add(new CatalogPartition(partition.First().Partition.Select(p => p.Value).ToList(), partition.Key,
                fileInfos.Count, rows, fileInfos.Sum(f => f.Length), fingerprint, columns));
            partitionsAdded += before is null && keys.Count > 0 ? 1 : 0;
            schema.Add(inferred.Columns, partition.Key);
        }

        var removed = known.Keys.Except(locations, StringComparer.Ordinal).Any();
        if (existing is not null && changed.Count == 0 && !removed)
        {
            return (false, false, 0);
        }

        var formats = files.Select(f => f.Format).Distinct().ToList();
        var classification = formats.Count == 1 ? formats[0].ToString().ToLowerInvariant() : "mixed";
        var table = new CatalogTable(crawler.Database, name, folder, classification, keys, schema.Columns, changed,
            existing?.CreatedAt ?? now, now, by);
        await catalog.WriteAsync(async (connection, transaction) =>
        {
            await CatalogTables.SaveTableAsync(connection, transaction, table, locations, schema.Changes,
                cancellationToken);
            return true;
        }, cancellationToken);
        return (existing is null, existing is not null, partitionsAdded);
    }

    static async Task<long> CountRowsAsync(
        DuckDbSession session, List<LakeFile> files, CancellationToken cancellationToken)
    {
        long rows = 0;
        foreach (var group in files.GroupBy(f => f.Format))
        {
            var paths = SqlText.LiteralList(group.Select(f => f.Path));
            rows += group.Key switch
            {
                LakeFileFormat.Json => group.Sum(f => RawFileInspection.CountJsonLines(f.Path, cancellationToken)),
                LakeFileFormat.Csv => await ScalarAsync(
                    $"SELECT count(*) FROM read_csv({paths}, header = true, union_by_name = true, hive_partitioning = false)"),
                _ => await ScalarAsync($"SELECT COALESCE(sum(num_rows), 0) FROM parquet_file_metadata({paths})"),
            };
        }

        return rows;

        async Task<long> ScalarAsync(string sql) =>
            (await session.QueryAsync(sql, r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
                cancellationToken))[0];
    }
}
