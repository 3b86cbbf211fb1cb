using Orchestrator.Glue;
using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

public sealed class SampleDataGeneratorTests
{
    static readonly SampleDataOptions Small = new() { Rows = 2_000, Days = 2, Seed = 7 };

    [Fact]
    public async Task The_same_seed_and_clock_write_the_same_bytes_and_another_seed_does_not()
    {
        await using var first = new TempLake();
        await using var second = new TempLake();
        await using var third = new TempLake();

        await new SampleDataGenerator(first.LakeRoot, first.Time).WriteAsync(Small, first.Token);
        await new SampleDataGenerator(second.LakeRoot, second.Time).WriteAsync(Small, second.Token);
        await new SampleDataGenerator(third.LakeRoot, third.Time).WriteAsync(Small with { Seed = 8 }, third.Token);

        Assert.Equal(Snapshot(first), Snapshot(second));
        Assert.NotEqual(Snapshot(first), Snapshot(third));
    }

    [Fact]
    public async Task Sample_data_has_the_traits_the_pipeline_must_handle()
    {
        await using var lake = new TempLake();

        var summaries = await new SampleDataGenerator(lake.LakeRoot, lake.Time).WriteAsync(Small, lake.Token);

        Assert.Equal(["customer", "customer_address", "sales"], summaries.Select(s => s.Entity));
        Assert.All(summaries, s => Assert.Equal((2_000L, 48), (s.Rows, s.FilesWritten)));
        Assert.All(summaries, s => Assert.InRange(s.LateEvents, 60, 140));
        Assert.All(summaries, s => Assert.InRange(s.UnparseableTimestamps, 1, 12));
        var raw = $"read_json('{lake.LakeRoot}/raw/customer/*/*/*.jsonl', format = 'newline_delimited', " +
            "union_by_name = true, filename = true, columns = {customer_id: 'BIGINT', zip: 'JSON', " +
            "created_datetime: 'VARCHAR', birth_date: 'VARCHAR', processing_datetime: 'JSON', loyalty_tier: 'VARCHAR'})";
        var traits = lake.Query($$"""
            SELECT count(*) FILTER (WHERE json_type(zip) = 'UBIGINT'),
                   count(*) FILTER (WHERE json_type(zip) = 'VARCHAR' AND (zip ->> '$') LIKE '0%'),
                   count(*) FILTER (WHERE created_datetime LIKE '%+__:__' OR created_datetime LIKE '%-__:__'),
                   count(*) FILTER (WHERE created_datetime LIKE '%Z'),
                   count(*) FILTER (WHERE regexp_full_match(created_datetime, '\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d')),
                   count(*) FILTER (WHERE regexp_full_match(birth_date, '\d{4}-\d\d-\d\d')),
                   count(*) FILTER (WHERE json_type(processing_datetime) = 'UBIGINT'),
                   min(filename) FILTER (WHERE loyalty_tier IS NOT NULL) > max(filename) FILTER (WHERE loyalty_tier IS NULL)
            FROM {{raw}}
            """)[0];
        Assert.All(traits[..5], (count, i) => Assert.True((long)count! > 100, $"trait {i}: only {count} rows"));
        Assert.Equal(2_000L, traits[5]);
        Assert.Equal(2_000L, traits[6]);
        Assert.Equal(true, traits[7]);
    }

    [Fact]
    public async Task Existing_files_are_never_overwritten()
    {
        await using var lake = new TempLake();
        var generator = new SampleDataGenerator(lake.LakeRoot, lake.Time);
        await generator.WriteAsync(Small with { Entities = ["sales"] }, lake.Token);
        var before = Snapshot(lake);
        lake.Time.Advance(TimeSpan.FromHours(3));

        var again = await generator.WriteAsync(Small with { Entities = ["sales"] }, lake.Token);

        Assert.Equal((3, 45), (again[0].FilesWritten, again[0].FilesSkipped));
        Assert.All(before, file => Assert.Equal(file.Value, Snapshot(lake)[file.Key]));
    }

    [Fact]
    public async Task Bad_options_are_refused_with_every_problem_named()
    {
        var generator = new SampleDataGenerator(Path.GetTempPath(), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => generator.WriteAsync(
            new SampleDataOptions { Rows = 0, Days = 0, Entities = ["refunds"] },
            TestContext.Current.CancellationToken));

        Assert.Contains("Rows is 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Days is 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Entity 'refunds' is not a sample entity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shipped_pipeline_prepares_all_three_entities_from_sample_data()
    {
        await using var lake = new TempLake();
        var summaries = (await new SampleDataGenerator(lake.LakeRoot, lake.Time).WriteAsync(Small, lake.Token))
            .ToDictionary(s => s.Entity);
        Assert.Equal(CrawlStatus.Succeeded, (await lake.CrawlAsync(TempLake.RawCrawler)).LastCrawl!.Status);
        (string Entity, string Column, string Key)[] entities =
        [
            ("customer", "created_datetime", "created_date"),
            ("customer_address", "updated_datetime", "updated_date"),
            ("sales", "order_datetime", "order_date"),
        ];

        var runs = await Task.WhenAll(entities.Select(e => lake.RunJobAsync(TempLake.Arguments(e.Entity, e.Column, e.Key))));

        foreach (var ((entity, column, key), run) in entities.Zip(runs))
        {
            Assert.True(run.State == JobRunState.Succeeded, $"{entity}: {run.State} {run.ErrorMessage}");
            var details = run.Details!;
            Assert.Equal(2_000, details.RowsWritten);
            Assert.Equal(48, details.FilesProcessed);
            Assert.Equal(summaries[entity].UnparseableTimestamps, details.RowsInDefaultPartition);
            Assert.Equal(summaries[entity].UnparseableTimestamps, details.NullsFromFailedCasts[column]);
            Assert.Equal([column], details.NullsFromFailedCasts.Keys);
            var late = lake.Query($"""
                SELECT count(*) FROM {lake.Clean(entity)}
                WHERE {key} < CAST(processing_datetime AS DATE) - INTERVAL 1 DAY
                """);
            Assert.True((long)late[0][0]! > 0, $"{entity}: no late events in older partitions");
        }

        Assert.Equal(CrawlStatus.Succeeded, (await lake.CrawlAsync(TempLake.CleanCrawler)).LastCrawl!.Status);
    }

    static Dictionary<string, string> Snapshot(TempLake lake) =>
        Directory.EnumerateFiles(Path.Combine(lake.LakeRoot, "raw"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(lake.LakeRoot, f), File.ReadAllText);
}
