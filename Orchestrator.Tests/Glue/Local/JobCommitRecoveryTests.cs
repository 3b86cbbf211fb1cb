using Microsoft.Extensions.Logging.Testing;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;
using static Orchestrator.Tests.Glue.Local.DataPreparationJobTests;

namespace Orchestrator.Tests.Glue.Local;

/// <summary>A run that dies while writing must leave no partial partition and no duplicate rows after the next run.</summary>
public sealed class JobCommitRecoveryTests
{
    static readonly Dictionary<string, string> CustomerArguments =
        TempLake.Arguments("customer", "created_datetime", "created_date");

    [Fact]
    public async Task A_crash_after_staging_leaves_the_clean_zone_and_bookmarks_as_they_were()
    {
        await using var lake = await LakeWithFirstRunAsync();
        var before = lake.CleanFiles("customer");
        WriteSecondFile(lake);
        lake.Backend.StepHook = (_, step, _) =>
            step == JobStep.Staged ? throw new IOException("simulated crash after staging") : ValueTask.CompletedTask;

        var crashed = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Failed, crashed.State);
        Assert.Contains("simulated crash after staging", crashed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(before, lake.CleanFiles("customer"));
        Assert.Single(await BookmarksAsync(lake));
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(lake.LakeRoot, "_staging", "customer")).Any());

        lake.Backend.StepHook = null;
        var next = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, next.State);
        Assert.Equal(3, next.Details!.RowsWritten);
        AssertEveryCustomerOnce(lake, 5);
    }

    [Fact]
    public async Task A_crash_between_partition_moves_leaves_no_partial_partition_and_the_next_run_finishes_it()
    {
        await using var lake = await LakeWithFirstRunAsync();
        WriteSecondFile(lake);
        var moves = 0;
        lake.Backend.StepHook = (_, step, _) =>
            step == JobStep.PartitionMoved && ++moves == 1
                ? throw new IOException("simulated crash between partition moves")
                : ValueTask.CompletedTask;

        var crashed = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Failed, crashed.State);
        // Partitions move in name order: 2026-03-09 (updated) is complete, the two new ones are not there at all.
        Assert.Equal(["created_date=2026-03-09"], Directory.GetDirectories(lake.CleanFolder("customer"))
            .Select(Path.GetFileName));
        Assert.Equal([1L, 2L, 3L], lake.Query($"SELECT customer_id FROM {lake.Clean("customer")} ORDER BY 1")
            .Select(r => (long)r[0]!));
        Assert.Single(await BookmarksAsync(lake));

        lake.Backend.StepHook = null;
        var next = await lake.RunJobAsync(CustomerArguments);

        Assert.Equal(JobRunState.Succeeded, next.State);
        Assert.Equal(1, next.Details!.FilesProcessed);
        Assert.Equal(["created_date=2026-03-10", "created_date=2026-03-11"], next.Details.PartitionsAdded);
        Assert.Equal(["created_date=2026-03-09"], next.Details.PartitionsUpdated);
        // The finished commit's per-partition writes come through the journal, counted once.
        Assert.Equal(
            [
                new PartitionWrite("created_date=2026-03-09", Added: false, Rows: 1, Files: 1),
                new PartitionWrite("created_date=2026-03-10", Added: true, Rows: 1, Files: 1),
                new PartitionWrite("created_date=2026-03-11", Added: true, Rows: 1, Files: 1),
            ],
            (await lake.Backend.GetJobRunOutputAsync(TempLake.Job, next, lake.Token)).Partitions);
        AssertEveryCustomerOnce(lake, 5);
        Assert.Equal(2, (await BookmarksAsync(lake)).Count);
        var catalog = await new CatalogTables(new CatalogDatabase(lake.Options.CatalogPath))
            .GetTableAsync("clean", "customer", lake.Token);
        Assert.Equal([3L, 1L, 1L], catalog!.Partitions.Select(p => p.RowCount));

        var idle = await lake.RunJobAsync(CustomerArguments);
        Assert.Equal(0, idle.Details!.RowsWritten);
        AssertEveryCustomerOnce(lake, 5);
    }

    [Fact]
    public async Task The_log_says_staged_before_the_commit_point_and_committed_only_after_it()
    {
        await using var lake = await LakeWithFirstRunAsync();
        WriteSecondFile(lake);
        var log = new FakeLogger<LocalGlueBackend>();
        var backend = lake.CreateBackend(logger: log);
        backend.StepHook = (_, step, _) =>
            step == JobStep.Staged ? throw new IOException("simulated crash after staging") : ValueTask.CompletedTask;

        var crashed = await lake.RunJobAsync(CustomerArguments, backend);
        var beforeCommitPoint = log.Collector.GetSnapshot().Select(r => r.Message).ToList();
        log.Collector.Clear();
        backend.StepHook = null;
        var next = await lake.RunJobAsync(CustomerArguments, backend);
        var throughCommit = log.Collector.GetSnapshot().Select(r => r.Message).ToList();

        Assert.Equal(JobRunState.Failed, crashed.State);
        Assert.Contains(beforeCommitPoint, m => m.Contains($"Job run {crashed.Id}: 1 files, 3 rows staged for 3 partitions; committing", StringComparison.Ordinal));
        Assert.DoesNotContain(beforeCommitPoint, m => m.Contains("committed", StringComparison.Ordinal) || m.Contains("written", StringComparison.Ordinal));
        var staged = throughCommit.FindIndex(m => m.Contains($"Job run {next.Id}: 1 files, 3 rows staged", StringComparison.Ordinal));
        var committed = throughCommit.FindIndex(m => m.Contains($"Job run {next.Id}: committed 3 rows from 1 files, 2 partitions added, 1 updated", StringComparison.Ordinal));
        Assert.InRange(staged, 0, committed - 1);
    }

    static async Task<TempLake> LakeWithFirstRunAsync()
    {
        var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-09/ingest_hour=10", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-09T09:00:00Z" }),
            Json(new { customer_id = 2, created_datetime = "2026-03-09T09:30:00Z" }));
        var first = await lake.RunJobAsync(CustomerArguments);
        Assert.Equal(JobRunState.Succeeded, first.State);
        return lake;
    }

    static void WriteSecondFile(TempLake lake) =>
        lake.WriteJsonLines("customer", "ingest_date=2026-03-11/ingest_hour=10", "b.jsonl",
            Json(new { customer_id = 3, created_datetime = "2026-03-09T23:00:00Z" }),
            Json(new { customer_id = 4, created_datetime = "2026-03-10T09:00:00Z" }),
            Json(new { customer_id = 5, created_datetime = "2026-03-11T09:00:00Z" }));

    static Task<HashSet<Bookmark>> BookmarksAsync(TempLake lake) =>
        new JobBookmarks(new CatalogDatabase(lake.Options.CatalogPath)).GetAsync(TempLake.Job, "customer", lake.Token);

    static void AssertEveryCustomerOnce(TempLake lake, long customers)
    {
        var counts = lake.Query($"SELECT count(*), count(DISTINCT customer_id) FROM {lake.Clean("customer")}");
        Assert.Equal([customers, customers], counts[0]);
    }
}
