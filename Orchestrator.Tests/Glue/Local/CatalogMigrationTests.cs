using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Testing;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

/// <summary>
/// The catalog follows the store's SQLite convention; a catalog written before it (snake_case tables, versions in
/// schema_versions, as main wrote them up to issue 13) is migrated in place and keeps everything it holds.
/// </summary>
public sealed class CatalogMigrationTests
{
    const string OldRunId = "jr_0123456789abcdef";
    const string OldCrawlStart = "2026-03-09T08:00:00.0000000Z";
    const string OldMarker = "run-1/customer/1";

    [Fact]
    public async Task A_catalog_written_before_the_shared_convention_opens_with_its_tables_runs_crawls_and_bookmarks()
    {
        await using var lake = new TempLake();
        WriteSchema2Catalog(lake.Options.CatalogPath);
        var log = new FakeLogger<LocalGlueBackend>();
        var backend = lake.CreateBackend(logger: log);

        var crawler = await backend.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);
        var run = await backend.GetJobRunAsync(TempLake.Job, OldRunId, lake.Token);
        var database = new CatalogDatabase(lake.Options.CatalogPath);
        var table = await new CatalogTables(database).GetTableAsync("clean", "customer", lake.Token);
        var changes = await new CatalogTables(database).GetSchemaChangesAsync("clean", "customer", lake.Token);
        var bookmarks = await new JobBookmarks(database).GetAsync(TempLake.Job, "customer", lake.Token);

        Assert.Equal(CrawlerState.Ready, crawler.State);
        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl!.Status);
        Assert.Equal(DateTimeOffset.Parse(OldCrawlStart, System.Globalization.CultureInfo.InvariantCulture), crawler.LastCrawl.StartTime);
        Assert.Equal((2, 0, 3, true), (crawler.LastCrawl.TablesCreated, crawler.LastCrawl.TablesUpdated, crawler.LastCrawl.PartitionsAdded, crawler.LastCrawl.Interrupted));
        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Equal("customer", run.Arguments["--target"]);
        Assert.Equal(90, run.ExecutionTimeSeconds);
        Assert.NotNull(table);
        Assert.Equal(["created_date"], table.PartitionKeys);
        Assert.Equal(["customer_id", "created_datetime"], table.Columns.Select(c => c.Name));
        var partition = Assert.Single(table.Partitions);
        Assert.Equal(["2026-03-10"], partition.Values);
        Assert.Equal((2, 42L, 1234L), (partition.FileCount, partition.RowCount, partition.SizeBytes));
        Assert.Equal("created_datetime", Assert.Single(changes).Column);
        var bookmark = Assert.Single(bookmarks);
        Assert.Equal(new Bookmark("/lake/raw/customer/a.jsonl", 100, new DateTime(2026, 3, 10, 11, 0, 0, DateTimeKind.Utc)), bookmark);

        using var connection = Open(lake.Options.CatalogPath);
        Assert.Equal((long)CatalogDatabase.SchemaVersion, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal([1L, 2L, 3L], Column<long>(connection, "SELECT Version FROM SchemaVersions ORDER BY Version"));
        Assert.Equal("2026-01-05T10:00:00.0000000Z", Scalar(connection, "SELECT AppliedTime FROM SchemaVersions WHERE Version = 1"));
        Assert.Equal(ConventionTables, Column<string>(connection, TablesQuery));
        var upgraded = Assert.Single(log.Collector.GetSnapshot(), r => r.Id.Id == 4500);
        Assert.Equal($"Upgraded the local catalog {lake.Options.CatalogPath} from schema 2 to {CatalogDatabase.SchemaVersion}", upgraded.Message);
    }

    [Fact]
    public async Task A_migrated_catalog_keeps_working_new_crawls_number_on_from_the_old_ones()
    {
        await using var lake = new TempLake();
        WriteSchema2Catalog(lake.Options.CatalogPath);
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl", """{"customer_id": 1}""");

        var crawler = await lake.CrawlAsync(TempLake.RawCrawler);

        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl!.Status);
        using var connection = Open(lake.Options.CatalogPath);
        Assert.Equal([6L, 7L, 8L], Column<long>(connection, "SELECT Id FROM Crawls ORDER BY Id"));
    }

    [Fact]
    public async Task A_new_catalog_has_the_stores_convention()
    {
        await using var lake = new TempLake();

        await lake.Backend.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);

        using var connection = Open(lake.Options.CatalogPath);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)CatalogDatabase.SchemaVersion, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal([1L, 2L, 3L], Column<long>(connection, "SELECT Version FROM SchemaVersions ORDER BY Version"));
        Assert.Equal(ConventionTables, Column<string>(connection, TablesQuery));
    }

    [Fact]
    public void A_catalog_path_at_another_file_is_refused_and_left_untouched()
    {
        using var directory = new TempDirectory();
        var path = directory.File("catalog.db");
        File.WriteAllText(path, "not a database");

        var error = Assert.Throws<IOException>(() => new CatalogDatabase(path).Migrate(TimeProvider.System));

        Assert.Equal($"The catalog file '{path}' is not a SQLite database; it was left untouched. Point the setting at a new path or move the file away.", error.Message);
        Assert.Equal("not a database", File.ReadAllText(path));
    }

    [Fact]
    public void A_catalog_of_a_newer_schema_is_refused()
    {
        using var directory = new TempDirectory();
        var path = directory.File("catalog.db");
        new CatalogDatabase(path).Migrate(TimeProvider.System);
        using (var connection = Open(path))
        {
            Scalar(connection, "PRAGMA user_version = 99");
        }

        var error = Assert.Throws<IOException>(() => new CatalogDatabase(path).Migrate(TimeProvider.System));

        Assert.Contains("has schema version 99, newer than this Orchestrator understands", error.Message, StringComparison.Ordinal);
    }

    static readonly string[] ConventionTables =
        ["Bookmarks", "Columns", "Crawls", "Databases", "JobRuns", "Partitions", "SchemaChanges", "SchemaVersions", "Tables"];

    const string TablesQuery =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

    /// <summary>
    /// A catalog as the code before the shared convention left it: its two scripts (kept verbatim as
    /// Scripts/schema-1.sql and -2.sql) recorded in schema_versions, and rows written with its column names.
    /// </summary>
    static void WriteSchema2Catalog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = Open(path);
        Scalar(connection, "PRAGMA journal_mode = WAL");
        Scalar(connection, "CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
        foreach (var version in new[] { 1, 2 })
        {
            using var stream = typeof(CatalogDatabase).Assembly.GetManifestResourceStream($"Orchestrator.Glue.Local.Scripts.schema-{version}.sql")!;
            Scalar(connection, new StreamReader(stream).ReadToEnd());
            Scalar(connection, $"INSERT INTO schema_versions (version, applied_at) VALUES ({version}, '2026-01-0{4 + version}T10:00:00.0000000Z')");
        }

        Scalar(connection, """
            INSERT INTO databases (name, zone, location, created_at)
                VALUES ('clean', 'clean', '/lake/clean', '2026-03-10T12:00:00.0000000Z');
            INSERT INTO tables (database_name, name, location, classification, partition_keys, created_at, updated_at, updated_by)
                VALUES ('clean', 'customer', '/lake/clean/customer', 'parquet', '["created_date"]',
                        '2026-03-10T12:00:00.0000000Z', '2026-03-10T12:01:00.0000000Z', 'job run jr_0123456789abcdef');
            INSERT INTO columns (database_name, table_name, position, name, type, source_type) VALUES
                ('clean', 'customer', 0, 'customer_id', 'bigint', 'BIGINT'),
                ('clean', 'customer', 1, 'created_datetime', 'timestamp', 'TIMESTAMP');
            INSERT INTO partitions (database_name, table_name, location, partition_values, file_count, row_count,
                                    size_bytes, fingerprint, columns, created_at, updated_at)
                VALUES ('clean', 'customer', '/lake/clean/customer/created_date=2026-03-10', '["2026-03-10"]', 2, 42,
                        1234, 'f1', '[{"Name":"customer_id","Type":"bigint","SourceType":"BIGINT"}]',
                        '2026-03-10T12:00:00.0000000Z', '2026-03-10T12:01:00.0000000Z');
            INSERT INTO schema_changes (database_name, table_name, column_name, change, old_type, new_type, location,
                                        detected_at, detected_by)
                VALUES ('clean', 'customer', 'created_datetime', 'ColumnAdded', NULL, 'timestamp', NULL,
                        '2026-03-10T12:01:00.0000000Z', 'job run jr_0123456789abcdef');
            INSERT INTO crawls (id, crawler_name, status, started_at, completed_at, tables_created, tables_updated,
                                partitions_added, owner, lease_until, restarts, interrupted)
                VALUES (6, 'mystore-raw-crawler', 'SUCCEEDED', '2026-03-09T07:00:00.0000000Z', '2026-03-09T07:01:00.0000000Z',
                        1, 0, 1, 'old-host/1/1/a', '2026-03-09T07:02:00.0000000Z', 0, 0),
                       (7, 'mystore-raw-crawler', 'SUCCEEDED', '2026-03-09T08:00:00.0000000Z', '2026-03-09T08:01:00.0000000Z',
                        2, 0, 3, 'old-host/1/1/a', '2026-03-09T08:02:00.0000000Z', 1, 1);
            INSERT INTO bookmarks (job_name, target, path, size, modified_at, run_id, processed_at)
                VALUES ('mystore-data-preparation-parquet', 'customer', '/lake/raw/customer/a.jsonl', 100,
                        '2026-03-10T11:00:00.0000000Z', 'jr_0123456789abcdef', '2026-03-10T12:01:00.0000000Z');
            """);
        // The old code bound its values with $ parameters.
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO job_runs (id, job_name, marker, state, arguments, started_on, last_modified_on, completed_on,
                                  owner, lease_until)
            VALUES ($id, $job, $marker, 'SUCCEEDED', $arguments, '2026-03-10T12:00:00.0000000Z',
                    '2026-03-10T12:01:30.0000000Z', '2026-03-10T12:01:30.0000000Z', 'old-host/1/1/a', '2026-03-10T12:02:00.0000000Z')
            """;
        insert.Parameters.AddWithValue("$id", OldRunId);
        insert.Parameters.AddWithValue("$job", TempLake.Job);
        insert.Parameters.AddWithValue("$marker", OldMarker);
        insert.Parameters.AddWithValue("$arguments", """{"--target":"customer"}""");
        insert.ExecuteNonQuery();
    }

    static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        return connection;
    }

    static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    static List<T> Column<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<T>();
        while (reader.Read())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }
}
