using Orchestrator.Glue;
using Orchestrator.Glue.Local;
using static Orchestrator.Tests.Glue.Local.DataPreparationJobTests;

namespace Orchestrator.Tests.Glue.Local;

public sealed class LocalCrawlerTests
{
    [Fact]
    public async Task A_raw_crawl_records_tables_with_hive_types_partitions_files_and_rows()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new
            {
                order_id = 1,
                amount = 9.5,
                paid = true,
                order_datetime = "2026-03-10T09:00:00Z",
                items = new[] { 1, 2 },
                address = new { city = "Boston", zip = "02134" }
            }),
            Json(new
            {
                order_id = 2,
                amount = 3.25,
                paid = false,
                order_datetime = "2026-03-10T09:10:00Z",
                items = new[] { 3 },
                address = new { city = "Austin", zip = "73301" }
            }));
        lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=11", "b.jsonl",
            Json(new
            {
                order_id = 3,
                amount = 1.0,
                paid = true,
                order_datetime = "2026-03-10T10:00:00Z",
                items = new[] { 4 },
                address = new { city = "Miami", zip = "33101" }
            }));
        lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=10", "c.csv",
            "customer_id,zip,created_datetime\n1,02134,2026-03-10T09:00:00Z\n2,90210,2026-03-10T09:05:00Z\n");

        var crawler = await lake.CrawlAsync(TempLake.RawCrawler);

        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl!.Status);
        Assert.Equal((2, 0, 3), (crawler.LastCrawl.TablesCreated, crawler.LastCrawl.TablesUpdated,
            crawler.LastCrawl.PartitionsAdded));
        Assert.Equal(TempLake.Start, crawler.LastCrawl.StartTime);
        var sales = await TableAsync(lake, "raw", "sales");
        Assert.Equal("json", sales.Classification);
        Assert.Equal(["ingest_date", "ingest_hour"], sales.PartitionKeys);
        Assert.Equal(
        [
            "order_id:bigint", "amount:double", "paid:boolean", "order_datetime:string", "items:array<bigint>",
            "address:struct<city:string,zip:string>",
        ], sales.Columns.Select(c => $"{c.Name}:{c.Type}"));
        Assert.Equal([("2026-03-10/10", 1, 2L), ("2026-03-10/11", 1, 1L)],
            sales.Partitions.Select(p => (string.Join("/", p.Values), p.FileCount, p.RowCount)));
        Assert.Equal(Path.Combine(lake.LakeRoot, "raw", "sales", "ingest_date=2026-03-10", "ingest_hour=10"),
            sales.Partitions[0].Location);
        var customer = await TableAsync(lake, "raw", "customer");
        Assert.Equal("csv", customer.Classification);
        Assert.Equal(["customer_id:bigint", "zip:string", "created_datetime:string"],
            customer.Columns.Select(c => $"{c.Name}:{c.Type}"));
        Assert.Equal(2, customer.Partitions.Single().RowCount);
    }

    [Fact]
    public async Task A_recrawl_adds_new_columns_and_records_changed_types_as_schema_drift()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-09/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, zip = 2134, points = 10 }));
        await lake.CrawlAsync(TempLake.RawCrawler);
        var newFolder = Path.Combine(lake.LakeRoot, "raw", "customer", "ingest_date=2026-03-10", "ingest_hour=10");
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "b.jsonl",
            Json(new { customer_id = 2, zip = "02134", points = 10.5, loyalty_tier = "gold" }));
        lake.Time.Advance(TimeSpan.FromHours(1));

        var crawler = await lake.CrawlAsync(TempLake.RawCrawler);

        Assert.Equal((0, 1, 1), (crawler.LastCrawl!.TablesCreated, crawler.LastCrawl.TablesUpdated,
            crawler.LastCrawl.PartitionsAdded));
        var table = await TableAsync(lake, "raw", "customer");
        Assert.Equal(["customer_id:bigint", "zip:string", "points:double", "loyalty_tier:string"],
            table.Columns.Select(c => $"{c.Name}:{c.Type}"));
        var changes = await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath))
            .GetSchemaChangesAsync("raw", "customer", lake.Token);
        Assert.Equal(
        [
            "zip TypeChanged bigint -> string",
            "points TypeChanged bigint -> double",
            "loyalty_tier ColumnAdded  -> string",
        ], changes.Select(c => $"{c.Column} {c.Change} {c.OldType} -> {c.NewType}"));
        Assert.All(changes, c => Assert.Equal(newFolder, c.Location));
        Assert.All(changes, c => Assert.Equal(TempLake.Start.AddHours(1), c.DetectedAt));
        Assert.All(changes, c => Assert.Equal("crawler " + TempLake.RawCrawler, c.DetectedBy));
        Assert.Equal(["bigint", "string"], table.Partitions.Select(p => p.Columns.Single(c => c.Name == "zip").Type));

        var unchanged = await lake.CrawlAsync(TempLake.RawCrawler);
        Assert.Equal((0, 0, 0), (unchanged.LastCrawl!.TablesCreated, unchanged.LastCrawl.TablesUpdated,
            unchanged.LastCrawl.PartitionsAdded));
        Assert.Equal(3, (await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath))
            .GetSchemaChangesAsync("raw", "customer", lake.Token)).Count);
    }

    [Fact]
    public async Task A_clean_crawl_after_a_job_sees_its_parquet_partitions()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, zip = 2134, created_datetime = "2026-03-10T10:00:00Z" }),
            Json(new { customer_id = 2, zip = 2135, created_datetime = "never" }));
        await lake.RunJobAsync(TempLake.Arguments("customer", "created_datetime", "created_date"));

        var crawler = await lake.CrawlAsync(TempLake.CleanCrawler);

        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl!.Status);
        var table = await TableAsync(lake, "clean", "customer");
        Assert.Equal("parquet", table.Classification);
        Assert.Equal(["created_date"], table.PartitionKeys);
        Assert.Equal(
            ["customer_id:bigint", "zip:string", "created_datetime:timestamp", "etl_processing_datetime:timestamp"],
            table.Columns.Select(c => $"{c.Name}:{c.Type}"));
        Assert.Equal([("2026-03-10", 1L), ("__HIVE_DEFAULT_PARTITION__", 1L)],
            table.Partitions.Select(p => (p.Values.Single(), p.RowCount)));
    }

    [Fact]
    public async Task A_crawler_limited_to_one_entity_catalogs_only_that_entitys_folder()
    {
        await using var lake = new TempLake();
        const string customerCrawler = "mystore-raw-customer";
        var limited = new LocalCrawlerOptions { Zone = "raw", Database = "raw" };
        limited.Tables.AddRange(["customer", "returns"]);
        lake.Options.Crawlers[customerCrawler] = limited;
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T09:00:00Z" }));
        lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=10", "b.jsonl",
            Json(new { order_id = 1, order_datetime = "2026-03-10T09:00:00Z" }));
        var catalog = new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath));

        var crawler = await lake.CrawlAsync(customerCrawler);

        // "returns" has no folder yet: no table, and not a failure (as a Glue crawler over an empty S3 path).
        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl!.Status);
        Assert.Equal((1, 1), (crawler.LastCrawl.TablesCreated, crawler.LastCrawl.PartitionsAdded));
        Assert.Equal(["2026-03-10/10"], (await TableAsync(lake, "raw", "customer")).Partitions.Select(p => string.Join("/", p.Values)));
        Assert.Null(await catalog.GetTableAsync("raw", "sales", lake.Token));
        Assert.Null(await catalog.GetTableAsync("raw", "returns", lake.Token));

        var everything = await lake.CrawlAsync(TempLake.RawCrawler);

        Assert.Equal((1, 0), (everything.LastCrawl!.TablesCreated, everything.LastCrawl.TablesUpdated));
        Assert.NotNull(await catalog.GetTableAsync("raw", "sales", lake.Token));
    }

    [Fact]
    public async Task A_start_during_a_crawl_reports_AlreadyRunning_and_a_stop_cancels_it()
    {
        await using var lake = new TempLake();
        for (var hour = 0; hour < 300; hour++)
        {
            lake.WriteJsonLines("sales", $"ingest_date=2026-03-10/ingest_hour={hour:D3}", "a.jsonl",
                Json(new { order_id = hour, order_datetime = "2026-03-10T09:00:00Z" }));
        }

        Assert.Equal(CrawlerStartResult.Started, await lake.Backend.StartCrawlerAsync(TempLake.RawCrawler, lake.Token));
        var second = await lake.Backend.StartCrawlerAsync(TempLake.RawCrawler, lake.Token);
        var running = await lake.Backend.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);
        await lake.Backend.StopCrawlerAsync(TempLake.RawCrawler, lake.Token);
        var stopping = await lake.Backend.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);
        GlueCrawler done;
        do
        {
            await Task.Delay(20, lake.Token);
            done = await lake.Backend.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);
        }
        while (done.State != CrawlerState.Ready);

        Assert.Equal(CrawlerStartResult.AlreadyRunning, second);
        Assert.Equal(CrawlerState.Running, running.State);
        Assert.Null(running.LastCrawl);
        Assert.Equal(CrawlerState.Stopping, stopping.State);
        Assert.Equal(CrawlStatus.Cancelled, done.LastCrawl!.Status);
        await lake.Backend.StopCrawlerAsync(TempLake.RawCrawler, lake.Token);
    }

    [Fact]
    public async Task A_crawl_its_host_left_is_crawled_again_by_the_next_process_keeping_its_start_time()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=09", "a.jsonl",
            Json(new { order_id = 1, order_datetime = "2026-03-10T09:00:00Z" }));
        lake.Options.Crawlers[TempLake.RawCrawler].RehearseDelay = TimeSpan.FromMinutes(1);
        Assert.Equal(CrawlerStartResult.Started, await lake.Backend.StartCrawlerAsync(TempLake.RawCrawler, lake.Token));

        // The host shuts down mid-crawl; the next process takes the crawl over at its start.
        await lake.Backend.DisposeAsync();
        var next = lake.CreateBackend();
        await next.StartAsync(lake.Token);
        var resumed = await next.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);
        GlueCrawler done;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            // The crawl waits out its rehearsal delay on the fake clock, however late it starts waiting.
            lake.Time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20, lake.Token);
            done = await next.GetCrawlerAsync(TempLake.RawCrawler, lake.Token);
            Assert.True(DateTime.UtcNow < deadline, "the resumed crawl did not finish");
        }
        while (done.State != CrawlerState.Ready);

        Assert.Equal(CrawlerState.Running, resumed.State);
        Assert.Null(resumed.LastCrawl);
        Assert.Equal(CrawlStatus.Succeeded, done.LastCrawl!.Status);
        Assert.Equal(TempLake.Start, done.LastCrawl.StartTime);
        Assert.False(done.LastCrawl.Interrupted);
        Assert.NotNull(await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath))
            .GetTableAsync("raw", "sales", lake.Token));
    }

    [Fact]
    public async Task A_crawl_of_a_missing_zone_fails_naming_the_folder()
    {
        await using var lake = new TempLake();

        var crawler = await lake.CrawlAsync(TempLake.CleanCrawler);

        Assert.Equal(CrawlStatus.Failed, crawler.LastCrawl!.Status);
        Assert.Equal($"Zone folder '{Path.Combine(lake.LakeRoot, "clean")}' of crawler '{TempLake.CleanCrawler}' " +
            "does not exist.", crawler.LastCrawl.ErrorMessage);
    }

    [Fact]
    public async Task A_table_with_a_bad_file_fails_the_crawl_naming_it_while_other_tables_are_recorded()
    {
        await using var lake = new TempLake();
        var bad = lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1 }) + "\n\n" + Json(new { customer_id = 2 }) + "\n");
        lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl", Json(new { order_id = 1 }));

        var crawler = await lake.CrawlAsync(TempLake.RawCrawler);

        Assert.Equal(CrawlStatus.Failed, crawler.LastCrawl!.Status);
        Assert.Contains($"Table 'customer': File '{bad}' has an empty line 2", crawler.LastCrawl.ErrorMessage,
            StringComparison.Ordinal);
        Assert.Equal(1, crawler.LastCrawl.TablesCreated);
        Assert.NotNull(await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath))
            .GetTableAsync("raw", "sales", lake.Token));
    }

    static async Task<CatalogTable> TableAsync(TempLake lake, string database, string table) =>
        await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath)).GetTableAsync(database, table, lake.Token)
        ?? throw new InvalidOperationException($"No table {database}.{table} in the catalog.");
}
