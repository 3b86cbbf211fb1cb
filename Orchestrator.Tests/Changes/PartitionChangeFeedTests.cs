using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Runs;
using static Orchestrator.Tests.Glue.Local.DataPreparationJobTests;

namespace Orchestrator.Tests.Changes;

/// <summary>
/// The partition change feed over real job runs of the local engine: runs that finish out of order, an activity that
/// runs twice (a crash between its append and the run's checkpoint), late data, and the run's slot read from its id.
/// </summary>
public sealed class PartitionChangeFeedTests
{
    const string Earlier = "data-preparation@20260310T1200Z";
    const string Later = "data-preparation@20260310T1230Z";

    [Fact]
    public async Task Runs_that_finish_out_of_order_are_listed_in_commit_order_and_a_cursor_resumes_without_skipping()
    {
        await using var feed = await ChangeFeedHarness.StartAsync();
        feed.Lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-09T10:00:00Z" }), Json(new { customer_id = 2, created_datetime = "2026-03-10T10:00:00Z" }));
        feed.Lake.WriteJsonLines("sales", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { order_id = 1, order_datetime = "2026-03-10T10:50:00Z", processing_datetime = 1773140400 }));
        var customer = await feed.RunJobAsync("customer");
        var sales = await feed.RunJobAsync("sales");

        // The later run's entity finishes first; a consumer reads; then the earlier run's entity finishes.
        await feed.RecordAsync(Later, "sales", sales);
        var (first, cursor) = await feed.ReadAllAsync();
        await feed.RecordAsync(Earlier, "customer", customer);
        var (resumed, _) = await feed.ReadAllAsync(cursor);
        var (all, _) = await feed.ReadAllAsync();

        Assert.Equal(["sales|order_date=2026-03-10"], first.Select(c => $"{c.Entity}|{c.Partition}"));
        Assert.Equal(["customer|created_date=2026-03-09", "customer|created_date=2026-03-10"], resumed.Select(c => $"{c.Entity}|{c.Partition}").Order());
        Assert.Equal([.. first, .. resumed], all);
        Assert.Equal(all.Select(c => c.Sequence).Order(), all.Select(c => c.Sequence));
        var change = first.Single();
        Assert.Equal((ChangeFeedHarness.Pipeline, "clean", "sales", PartitionChangeKind.Added, Later, 1, sales.Id),
            (change.Pipeline, change.CleanDatabase, change.CleanTable, change.Change, change.RunId, change.StepAttempt, change.GlueRunId));
        Assert.Equal(sales.CompletedOn!.Value.UtcDateTime, change.CommittedAt);
        Assert.Equal(new DateTime(2026, 3, 10, 12, 30, 0, DateTimeKind.Utc), change.Slot);
        Assert.Equal(0, change.LateDays);
        Assert.Equal(all.Where(c => c.Entity == "customer"), (await feed.ReadAllAsync(entity: "customer")).Changes);
        Assert.Equal(resumed, (await feed.ReadAllAsync(runId: Earlier)).Changes);
    }

    [Fact]
    public async Task The_poll_that_finds_the_run_succeeded_records_its_changes_and_a_record_step_after_it_doubles_nothing()
    {
        await using var feed = await ChangeFeedHarness.StartAsync();
        feed.Lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-08T10:00:00Z" }), Json(new { customer_id = 2, created_datetime = "2026-03-10T10:00:00Z" }));
        var run = await feed.RunJobAsync("customer");

        var poll = await feed.PollAsync(Earlier, "customer", run);
        // A poll run again (a crash before its checkpoint), or the record step after a poll whose result was lost.
        var again = await feed.PollAsync(Earlier, "customer", run);
        var record = await feed.RecordAsync(Earlier, "customer", run);

        Assert.Equal("SUCCEEDED", poll.State);
        Assert.Equal((2, 2, (string?)null), (poll.Changes!.Partitions, poll.Changes.Recorded, poll.Changes.Warning));
        Assert.Null(poll.Changes.Error);
        Assert.Equal((2, 0), (again.Changes!.Partitions, again.Changes.Recorded));
        Assert.Equal((2, 0), (record.Partitions, record.Recorded));
        var (changes, _) = await feed.ReadAllAsync();
        Assert.Equal(["created_date=2026-03-08", "created_date=2026-03-10"], changes.Select(c => c.Partition).Order());
        Assert.All(changes, c => Assert.Equal((Earlier, 1, run.Id), (c.RunId, c.StepAttempt, c.GlueRunId)));
    }

    [Fact]
    public async Task The_activity_run_again_after_a_crash_before_its_checkpoint_loses_nothing_and_doubles_nothing()
    {
        await using var feed = await ChangeFeedHarness.StartAsync();
        feed.Lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-08T10:00:00Z" }), Json(new { customer_id = 2, created_datetime = "2026-03-10T10:00:00Z" }));
        var run = await feed.RunJobAsync("customer");

        var first = await feed.RecordAsync(Earlier, "customer", run);
        // The worker died after the append, before the result reached the run: DurableTask runs the activity again.
        var again = await feed.RecordAsync(Earlier, "customer", run);

        Assert.Equal((2, 2, (string?)null), (first.Partitions, first.Recorded, first.Warning));
        Assert.Equal((2, 0), (again.Partitions, again.Recorded));
        var (changes, _) = await feed.ReadAllAsync();
        Assert.Equal(["created_date=2026-03-08", "created_date=2026-03-10"], changes.Select(c => c.Partition).Order());
    }

    [Fact]
    public async Task Late_events_update_an_older_partition_and_that_change_is_marked_late_against_the_runs_slot()
    {
        await using var feed = await ChangeFeedHarness.StartAsync();
        feed.Lake.WriteJsonLines("customer", "ingest_date=2026-03-08/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-08T10:00:00Z" }));
        await feed.RecordAsync("data-preparation@20260308T1200Z", "customer", await feed.RunJobAsync("customer"));
        var (before, cursor) = await feed.ReadAllAsync();

        // Two days on: one event of the 8th arrives late, with one of the day itself.
        feed.Lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "b.jsonl",
            Json(new { customer_id = 2, created_datetime = "2026-03-08T23:00:00Z" }), Json(new { customer_id = 3, created_datetime = "2026-03-10T09:00:00Z" }));
        await feed.RecordAsync(Earlier, "customer", await feed.RunJobAsync("customer"));
        var (after, _) = await feed.ReadAllAsync(cursor);

        var added = Assert.Single(before);
        Assert.Equal((PartitionChangeKind.Added, 0, false), (added.Change, added.LateDays, added.Late));
        var late = after.Single(c => c.Partition == "created_date=2026-03-08");
        Assert.Equal((PartitionChangeKind.Updated, 2, true), (late.Change, late.LateDays, late.Late));
        var onTime = after.Single(c => c.Partition == "created_date=2026-03-10");
        Assert.Equal((PartitionChangeKind.Added, 0, false), (onTime.Change, onTime.LateDays, onTime.Late));
    }

    [Theory]
    [InlineData("created_date=2026-03-08", 2)]
    [InlineData("created_date=2026-03-10", 0)]
    [InlineData("created_date=2026-03-11", -1)]
    [InlineData("day=20260301", 9)]
    [InlineData("created_at=2026-03-09T23:59:00", 1)]
    [InlineData("region=eu/created_date=2026-03-09", 1)]
    [InlineData("region=eu", null)]
    [InlineData("created_date=2026-13-01", null)]
    [InlineData("id=2026-03-09x", null)]
    public void Lateness_is_whole_days_from_the_partitions_date_to_the_slots_date(string partition, int? days)
    {
        Assert.Equal(days, PartitionLateness.Days(partition, new DateTime(2026, 3, 10, 23, 30, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void A_runs_slot_is_read_from_its_id_its_scheduled_slot_or_when_it_was_requested()
    {
        var requested = new DateTimeOffset(2026, 3, 10, 8, 15, 42, 123, TimeSpan.Zero);

        Assert.Equal(new DateTime(2026, 3, 10, 12, 30, 0, DateTimeKind.Utc), RunIds.SlotOf(RunIds.Scheduled("p", new DateTime(2026, 3, 10, 12, 30, 0, DateTimeKind.Utc))));
        Assert.Equal(requested.UtcDateTime, RunIds.SlotOf(RunIds.Unscheduled("p", "manual", requested, new Random(7))));
        Assert.Equal(requested.UtcDateTime, RunIds.SlotOf(RunIds.Unscheduled("my-pipe", "redrive", requested, new Random(7))));
        Assert.Null(RunIds.SlotOf("p@whatever"));
        Assert.Null(RunIds.SlotOf("no-at-sign"));
    }
}
