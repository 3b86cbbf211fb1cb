using Orchestrator.Glue;
using static Orchestrator.Tests.Glue.Local.DataPreparationJobTests;

namespace Orchestrator.Tests.Glue.Local;

/// <summary>Each bad input fails the run with a message naming the file or argument, and loses no clean data.</summary>
public sealed class BadInputTests
{
    static readonly Dictionary<string, string> CustomerArguments =
        TempLake.Arguments("customer", "created_datetime", "created_date");

    [Fact]
    public async Task A_missing_lake_root_fails_naming_it_and_the_setting()
    {
        await using var lake = new TempLake();
        lake.Options.LakeRoot = Path.Combine(lake.Root, "no-such-lake");

        var run = await lake.RunJobAsync(CustomerArguments);

        AssertFailed(run, $"Lake root '{lake.Options.LakeRoot}' does not exist", "Orchestrator:Glue:Local:LakeRoot");
    }

    [Fact]
    public async Task A_missing_entity_folder_fails_naming_the_folder_and_argument()
    {
        await using var lake = new TempLake();

        var run = await lake.RunJobAsync(TempLake.Arguments("refunds", "refund_datetime", "refund_date"));

        AssertFailed(run, $"Raw folder '{Path.Combine(lake.LakeRoot, "raw", "refunds")}'", "--source_entity_name 'refunds'");
    }

    [Fact]
    public async Task An_entity_folder_without_files_fails_naming_the_folder()
    {
        await using var lake = new TempLake();
        Directory.CreateDirectory(Path.Combine(lake.LakeRoot, "raw", "customer", "ingest_date=2026-03-10"));
        lake.WriteRaw("customer", "ingest_date=2026-03-10", "notes.txt", "not data");

        var run = await lake.RunJobAsync(CustomerArguments);

        AssertFailed(run, $"'{Path.Combine(lake.LakeRoot, "raw", "customer")}' has no data files");
    }

    [Fact]
    public async Task An_empty_json_line_fails_naming_the_file_and_line_and_keeps_the_clean_zone()
    {
        await using var lake = await LakeWithCleanDataAsync();
        var before = lake.CleanFiles("customer");
        var path = lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=12", "b.jsonl",
            Json(new { customer_id = 2, created_datetime = "2026-03-10T10:00:00Z" }) + "\n\n" +
            Json(new { customer_id = 3, created_datetime = "2026-03-10T10:00:00Z" }) + "\n");

        var run = await lake.RunJobAsync(CustomerArguments);

        AssertFailed(run, $"File '{path}' has an empty line 2");
        Assert.Equal(before, lake.CleanFiles("customer"));
    }

    [Fact]
    public async Task A_truncated_json_line_fails_naming_the_file_and_keeps_the_clean_zone()
    {
        await using var lake = await LakeWithCleanDataAsync();
        var before = lake.CleanFiles("customer");
        var path = lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=12", "b.jsonl",
            Json(new { customer_id = 2, created_datetime = "2026-03-10T10:00:00Z" }) + "\n" +
            """{"customer_id": 3, "created_datetime": "2026-03""");

        var run = await lake.RunJobAsync(CustomerArguments);

        AssertFailed(run, $"Malformed JSON in file \"{path}\"");
        Assert.Equal(before, lake.CleanFiles("customer"));
    }

    [Fact]
    public async Task A_csv_file_with_a_different_header_fails_naming_both_files()
    {
        await using var lake = new TempLake();
        var first = lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=10", "a.csv",
            "customer_id,created_datetime\n1,2026-03-10T09:00:00Z\n");
        var second = lake.WriteRaw("customer", "ingest_date=2026-03-10/ingest_hour=11", "b.csv",
            "customer_id,created_datetime,zip\n2,2026-03-10T10:00:00Z,02134\n");

        var run = await lake.RunJobAsync(CustomerArguments);

        AssertFailed(run, $"CSV file '{second}' has the header 'customer_id,created_datetime,zip'", $"'{first}'");
    }

    [Fact]
    public async Task Missing_and_unusable_arguments_fail_naming_each_argument()
    {
        await using var lake = await LakeWithCleanDataAsync();
        var arguments = new Dictionary<string, string>
        {
            ["--source_entity_name"] = "customer",
            ["--target_entity_name"] = "../customer",
            ["--datetime_partition_column"] = "created_datetime",
            ["--raw_db_name"] = "bronze",
        };

        var run = await lake.RunJobAsync(arguments);

        AssertFailed(run, "Required argument --partition_key is missing.",
            "--target_entity_name '../customer' is not an entity name",
            "--raw_db_name 'bronze' is not the Database of any crawler (declared: clean, raw)");
    }

    [Fact]
    public async Task A_partition_column_the_data_lacks_fails_naming_the_argument_and_the_columns()
    {
        await using var lake = await LakeWithCleanDataAsync();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=12", "b.jsonl",
            Json(new { customer_id = 2, created_datetime = "2026-03-10T10:00:00Z" }));

        var run = await lake.RunJobAsync(TempLake.Arguments("customer", "signup_datetime", "created_date"));

        AssertFailed(run, "--datetime_partition_column 'signup_datetime' is not a column of",
            "(columns: customer_id, created_datetime)");
    }

    static async Task<TempLake> LakeWithCleanDataAsync()
    {
        var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T10:00:00Z" }));
        Assert.Equal(JobRunState.Succeeded, (await lake.RunJobAsync(CustomerArguments)).State);
        return lake;
    }

    static void AssertFailed(GlueJobRun run, params string[] messageParts)
    {
        Assert.Equal(JobRunState.Failed, run.State);
        Assert.NotNull(run.ErrorMessage);
        Assert.All(messageParts, part => Assert.Contains(part, run.ErrorMessage, StringComparison.Ordinal));
    }
}
