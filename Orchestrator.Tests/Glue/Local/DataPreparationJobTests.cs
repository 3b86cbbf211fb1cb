using System.Text.Json;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

public sealed class DataPreparationJobTests
{
    static readonly Dictionary<string, string> CustomerArguments =
        TempLake.Arguments("customer", "created_datetime", "created_date");

    [Fact]
    public async Task Converted_columns_get_clean_types_and_are_written_as_zstd_parquet()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new
            {
                customer_id = 1,
                name = "Ava",
                zip = 2134,
                created_datetime = "2026-03-10T10:00:00Z",
                birth_date = "1990-05-01",
                processing_datetime = 1773140400,
                score = 1.5,
                vip = true
            }));

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, run.State);
        var types = lake.Query($"DESCRIBE SELECT * FROM {lake.Clean("customer")}")
            .ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Equal("BIGINT", types["customer_id"]);
        Assert.Equal("VARCHAR", types["name"]);
        Assert.Equal("VARCHAR", types["zip"]);
        Assert.Equal("TIMESTAMP", types["created_datetime"]);
        Assert.Equal("DATE", types["birth_date"]);
        Assert.Equal("TIMESTAMP", types["processing_datetime"]);
        Assert.Equal("DOUBLE", types["score"]);
        Assert.Equal("BOOLEAN", types["vip"]);
        Assert.Equal("TIMESTAMP", types["etl_processing_datetime"]);
        Assert.Equal("DATE", types["created_date"]);
        var codecs = lake.Query(
            $"SELECT DISTINCT compression FROM parquet_metadata('{lake.CleanFolder("customer")}/*/*.parquet')");
        Assert.Equal("ZSTD", Assert.Single(codecs)[0]);
    }

    [Fact]
    public async Task Zip_codes_keep_their_leading_zeros_whether_written_as_numbers_or_strings()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "numbers.jsonl",
            Json(new { customer_id = 1, zip = 2134, created_datetime = "2026-03-10T10:00:00Z" }),
            Json(new { customer_id = 2, zip = 501, created_datetime = "2026-03-10T10:00:00Z" }));
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=12", "strings.jsonl",
            Json(new { customer_id = 3, zip = "02134", created_datetime = "2026-03-10T10:00:00Z" }),
            Json(new { customer_id = 4, zip = "90210", created_datetime = "2026-03-10T10:00:00Z" }),
            Json(new { customer_id = 5, zip = "02134-1234", created_datetime = "2026-03-10T10:00:00Z" }));

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, run.State);
        var zips = lake.Query($"SELECT customer_id, zip FROM {lake.Clean("customer")} ORDER BY customer_id")
            .Select(r => (string)r[1]!).ToList();
        Assert.Equal(["02134", "00501", "02134", "90210", "02134-1234"], zips);
    }

    [Fact]
    public async Task Datetimes_with_offsets_are_normalised_to_utc_and_without_offset_read_as_utc()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T01:30:00+02:00" }),
            Json(new { customer_id = 2, created_datetime = "2026-03-09T22:15:00-05:30" }),
            Json(new { customer_id = 3, created_datetime = "2026-03-10T08:00:00Z" }),
            Json(new { customer_id = 4, created_datetime = "2026-03-10 08:00:00" }),
            Json(new { customer_id = 5, created_datetime = "2026-03-10T08:00:00.250+01:00" }));

        await lake.RunJobAsync(CustomerArguments);

        var rows = lake.Query(
            $"SELECT customer_id, strftime(created_datetime, '%Y-%m-%d %H:%M:%S.%g'), CAST(created_date AS VARCHAR) " +
            $"FROM {lake.Clean("customer")} ORDER BY customer_id");
        Assert.Equal(
            [
                "2026-03-09 23:30:00.000 2026-03-09", "2026-03-10 03:45:00.000 2026-03-10",
                "2026-03-10 08:00:00.000 2026-03-10", "2026-03-10 08:00:00.000 2026-03-10",
                "2026-03-10 07:00:00.250 2026-03-10",
            ],
            rows.Select(r => $"{r[1]} {r[2]}"));
    }

    [Fact]
    public async Task Late_events_land_in_the_partitions_of_their_event_dates()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { order_id = 1, order_datetime = "2026-03-10T10:50:00Z", processing_datetime = 1773140400 }),
            Json(new { order_id = 2, order_datetime = "2026-03-06T09:00:00Z", processing_datetime = 1773140400 }),
            Json(new { order_id = 3, order_datetime = "2026-03-08T00:30:00+01:00", processing_datetime = 1773140400 }));

        var run = await lake.RunJobAsync(TempLake.Arguments("sales", "order_datetime", "order_date"));

        Assert.Equal(["order_date=2026-03-06", "order_date=2026-03-07", "order_date=2026-03-10"],
            run.Details!.PartitionsAdded.Order());
        var placed = lake.Query(
            $"SELECT order_id, parse_path(filename)[-2] FROM read_parquet('{lake.CleanFolder("sales")}/*/*.parquet', " +
            "filename = true) ORDER BY order_id");
        Assert.Equal(["order_date=2026-03-10", "order_date=2026-03-06", "order_date=2026-03-07"],
            placed.Select(r => (string)r[1]!));
    }

    [Fact]
    public async Task Unparseable_values_become_null_are_counted_per_column_and_no_row_is_dropped()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new
            {
                customer_id = 1,
                created_datetime = "2026-03-10T10:00:00Z",
                birth_date = "1990-05-01",
                updated_datetime = "2026-02-30T10:00:00",
                processing_datetime = "1773140400"
            }),
            Json(new
            {
                customer_id = 2,
                created_datetime = "yesterday",
                birth_date = "05/01/1990",
                updated_datetime = "",
                processing_datetime = "soon"
            }),
            Json(new
            {
                customer_id = 3,
                created_datetime = (string?)null,
                birth_date = "N/A",
                updated_datetime = "2026-03-10 09:00:00",
                processing_datetime = (string?)null
            }));

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, run.State);
        var details = run.Details!;
        Assert.Equal(3, details.RowsRead);
        Assert.Equal(3, details.RowsWritten);
        Assert.Equal(new Dictionary<string, long>
        {
            ["created_datetime"] = 1,
            ["birth_date"] = 2,
            ["updated_datetime"] = 1,
            ["processing_datetime"] = 1,
        }, details.NullsFromFailedCasts);
        Assert.Equal(2, details.RowsInDefaultPartition);
        Assert.Contains("created_date=__HIVE_DEFAULT_PARTITION__", details.PartitionsAdded);
        var nulls = lake.Query($"SELECT count(*), count(created_datetime), count(birth_date) FROM {lake.Clean("customer")}");
        Assert.Equal([3L, 1L, 1L], nulls[0]);
    }

    [Fact]
    public async Task Configured_datetime_formats_are_tried_after_iso_8601()
    {
        await using var lake = new TempLake();
        lake.Options.DatetimeFormats.Add("%d/%m/%Y %H:%M:%S");
        lake.Options.DatetimeFormats.Add("%d/%m/%Y");
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "09/03/2026 17:45:00", birth_date = "01/05/1990" }));

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Empty(run.Details!.NullsFromFailedCasts);
        var row = Assert.Single(lake.Query(
            $"SELECT CAST(created_datetime AS VARCHAR), CAST(birth_date AS VARCHAR) FROM {lake.Clean("customer")}"));
        Assert.Equal(["2026-03-09 17:45:00", "1990-05-01"], row);
    }

    [Fact]
    public async Task Etl_processing_datetime_is_the_start_of_the_run()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T10:00:00Z" }));

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(TempLake.Start, run.StartedOn);
        var value = Assert.Single(lake.Query($"SELECT CAST(etl_processing_datetime AS VARCHAR) FROM {lake.Clean("customer")}"));
        Assert.Equal("2026-03-10 12:00:00", value[0]);
    }

    [Fact]
    public async Task A_second_run_with_nothing_new_writes_nothing()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T10:00:00Z" }));
        await lake.RunJobAsync(CustomerArguments);
        var files = lake.CleanFiles("customer");

        var second = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, second.State);
        Assert.Equal((0L, 0L, 0), (second.Details!.RowsRead, second.Details.RowsWritten, second.Details.FilesProcessed));
        Assert.Empty(second.Details.PartitionsAdded);
        Assert.Empty(second.Details.PartitionsUpdated);
        Assert.Equal(files, lake.CleanFiles("customer"));
    }

    [Fact]
    public async Task A_run_after_new_raw_files_adds_only_their_rows_merging_late_ones_into_existing_partitions()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-09/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-09T09:00:00Z" }),
            Json(new { customer_id = 2, created_datetime = "2026-03-09T09:30:00Z" }));
        var first = await lake.RunJobAsync(CustomerArguments);
        Assert.Equal(["created_date=2026-03-09"], first.Details!.PartitionsAdded);

        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "b.jsonl",
            Json(new { customer_id = 3, created_datetime = "2026-03-09T23:00:00Z" }),
            Json(new { customer_id = 4, created_datetime = "2026-03-10T09:00:00Z" }));
        var second = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(1, second.Details!.FilesProcessed);
        Assert.Equal(2, second.Details.RowsWritten);
        Assert.Equal(["created_date=2026-03-10"], second.Details.PartitionsAdded);
        Assert.Equal(["created_date=2026-03-09"], second.Details.PartitionsUpdated);
        var partitions = lake.Query(
            $"SELECT CAST(created_date AS VARCHAR), list(customer_id ORDER BY customer_id) FROM {lake.Clean("customer")} " +
            "GROUP BY ALL ORDER BY 1");
        Assert.Equal("2026-03-09", partitions[0][0]);
        Assert.Equal([1L, 2L, 3L], (List<long>)partitions[0][1]!);
        Assert.Equal([4L], (List<long>)partitions[1][1]!);
    }

    [Fact]
    public async Task Csv_and_parquet_raw_files_are_read_beside_json_lines()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, zip = 2134, created_datetime = "2026-03-10T09:00:00Z" }));
        lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=11", "b.csv",
            "customer_id,zip,created_datetime,city\n2,02134,2026-03-10T10:00:00+01:00,Boston\n");
        var parquet = Path.Combine(lake.LakeRoot, "raw", "customer", "ingest_date=2026-03-10", "ingest_hour=12", "c.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(parquet)!);
        lake.Query($"COPY (SELECT 3::BIGINT AS customer_id, '00501' AS zip, TIMESTAMP '2026-03-10 11:00:00' AS " +
            $"created_datetime) TO '{parquet}' (FORMAT PARQUET)");

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Equal(3, run.Details!.FilesProcessed);
        var rows = lake.Query($"SELECT customer_id, zip, CAST(created_datetime AS VARCHAR), city " +
            $"FROM {lake.Clean("customer")} ORDER BY customer_id");
        Assert.Equal([1L, "02134", "2026-03-10 09:00:00", null], rows[0]);
        Assert.Equal([2L, "02134", "2026-03-10 09:00:00", "Boston"], rows[1]);
        Assert.Equal([3L, "00501", "2026-03-10 11:00:00", null], rows[2]);
    }

    [Fact]
    public async Task The_clean_catalog_lists_the_table_its_types_and_partitions_with_row_counts()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, zip = 2134, created_datetime = "2026-03-09T09:00:00Z" }),
            Json(new { customer_id = 2, zip = 2135, created_datetime = "2026-03-10T09:00:00Z" }),
            Json(new { customer_id = 3, zip = 2136, created_datetime = "2026-03-10T10:00:00Z" }));

        var run = await lake.RunJobAsync(CustomerArguments);

        var table = await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath))
            .GetTableAsync("clean", "customer", lake.Token);
        Assert.NotNull(table);
        Assert.Equal(lake.CleanFolder("customer"), table.Location);
        Assert.Equal(["created_date"], table.PartitionKeys);
        Assert.Equal(
            ["customer_id:bigint", "zip:string", "created_datetime:timestamp", "etl_processing_datetime:timestamp"],
            table.Columns.Select(c => $"{c.Name}:{c.Type}"));
        Assert.Equal([("2026-03-09", 1L), ("2026-03-10", 2L)],
            table.Partitions.Select(p => (p.Values.Single(), p.RowCount)));
        Assert.Equal("job run " + run.Id, table.UpdatedBy);
    }

    [Fact]
    public async Task A_backlog_larger_than_a_batch_is_converted_in_several_batches_with_one_schema()
    {
        await using var lake = new TempLake();
        lake.Options.MaxBatchBytes = 1;
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, points = 5, created_datetime = "2026-03-10T09:00:00Z" }));
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "b.jsonl",
            Json(new { customer_id = 2, points = 7.5, created_datetime = "2026-03-10T10:00:00Z" }));
        var parquet = Path.Combine(lake.LakeRoot, "raw", "customer", "ingest_date=2026-03-10", "ingest_hour=12", "c.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(parquet)!);
        lake.Query($"COPY (SELECT 3::BIGINT AS customer_id, '2026-03-10 11:00:00' AS created_datetime, 'gold' AS tier) " +
            $"TO '{parquet}' (FORMAT PARQUET)");

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Equal((3L, 3), (run.Details!.RowsWritten, run.Details.FilesProcessed));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(lake.CleanFolder("customer"), "created_date=2026-03-10")).Length);
        var rows = lake.Query($"SELECT customer_id, points, tier FROM {lake.Clean("customer")} ORDER BY customer_id");
        Assert.Equal([[1L, 5.0, null], [2L, 7.5, null], [3L, null, "gold"]], rows);
    }

    [Fact]
    public async Task A_value_far_into_a_file_still_decides_the_type_of_its_column()
    {
        await using var lake = new TempLake();
        var lines = Enumerable.Range(1, 25_000)
            .Select(i => Json(new { customer_id = i, points = 1, created_datetime = "2026-03-10T09:00:00Z" }))
            .Append(Json(new { customer_id = 25_001, points = 2.5, created_datetime = "2026-03-10T09:00:00Z" }));
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl", [.. lines]);

        var run = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Equal(25_001, run.Details!.RowsWritten);
        var points = lake.Query($"SELECT typeof(points), max(points) FROM {lake.Clean("customer")} GROUP BY ALL");
        Assert.Equal(["DOUBLE", 2.5], Assert.Single(points));
    }

    [Fact]
    public async Task Each_partition_reports_the_rows_and_files_the_run_wrote_to_it_summing_to_the_rows_written()
    {
        await using var lake = new TempLake();
        lake.Options.MaxBatchBytes = 1;
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-09T09:00:00Z" }),
            Json(new { customer_id = 2, created_datetime = "2026-03-10T09:00:00Z" }),
            Json(new { customer_id = 3, created_datetime = "2026-03-10T10:00:00Z" }));
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "b.jsonl",
            Json(new { customer_id = 4, created_datetime = "2026-03-10T11:00:00Z" }),
            Json(new { customer_id = 5, created_datetime = (string?)null }));

        var run = await lake.RunJobAsync(CustomerArguments);
        var output = await lake.Backend.GetJobRunOutputAsync(TempLake.Job, run, lake.Token);

        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Null(output.Warning);
        var onDisk = lake.Query(
            $"SELECT parse_path(filename)[-2], count(*), count(DISTINCT filename) " +
            $"FROM read_parquet('{lake.CleanFolder("customer")}/*/*.parquet', filename = true) GROUP BY ALL ORDER BY 1")
            .Select(r => new PartitionWrite((string)r[0]!, true, (long)r[1]!, (int)(long)r[2]!))
            .ToList();
        Assert.Equal(3, onDisk.Count);
        Assert.Equal(onDisk, output.Partitions.OrderBy(w => w.Partition, StringComparer.Ordinal));
        Assert.Equal(2, output.Partitions.Single(w => w.Partition == "created_date=2026-03-10").Files);
        Assert.Equal(run.Details!.RowsWritten, output.Partitions.Sum(w => w.Rows));
    }

    [Fact]
    public async Task A_late_event_reports_its_older_partition_as_updated_with_only_the_rows_it_added()
    {
        await using var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-09/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-09T09:00:00Z" }),
            Json(new { customer_id = 2, created_datetime = "2026-03-09T09:30:00Z" }));
        var first = await lake.RunJobAsync(CustomerArguments);
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=10", "b.jsonl",
            Json(new { customer_id = 3, created_datetime = "2026-03-09T23:00:00Z" }),
            Json(new { customer_id = 4, created_datetime = "2026-03-10T09:00:00Z" }),
            Json(new { customer_id = 5, created_datetime = "2026-03-10T09:10:00Z" }));

        var second = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal([new PartitionWrite("created_date=2026-03-09", Added: true, Rows: 2, Files: 1)],
            (await lake.Backend.GetJobRunOutputAsync(TempLake.Job, first, lake.Token)).Partitions);
        Assert.Equal(
            [
                new PartitionWrite("created_date=2026-03-09", Added: false, Rows: 1, Files: 1),
                new PartitionWrite("created_date=2026-03-10", Added: true, Rows: 2, Files: 1),
            ],
            (await lake.Backend.GetJobRunOutputAsync(TempLake.Job, second, lake.Token)).Partitions);
        Assert.Equal(3L, lake.Query($"SELECT count(*) FROM {lake.Clean("customer")} WHERE created_date = '2026-03-09'")
            .Single()[0]);
    }

    internal static string Json(object row) => JsonSerializer.Serialize(row);
}
