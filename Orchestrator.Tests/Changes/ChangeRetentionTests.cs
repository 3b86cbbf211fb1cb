using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Host.Hosting;
using Orchestrator.Host.Scheduling;
using static Orchestrator.Tests.Glue.Local.DataPreparationJobTests;

namespace Orchestrator.Tests.Changes;

/// <summary>The feed's own retention (<c>Orchestrator:Changes:Retention</c>): purged by age of record, checked at start-up.</summary>
public sealed class ChangeRetentionTests
{
    [Fact]
    public async Task Changes_recorded_longer_ago_than_the_retention_are_purged_and_newer_ones_kept()
    {
        await using var feed = await ChangeFeedHarness.StartAsync();
        feed.Lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T10:00:00Z" }));
        await feed.RecordAsync("data-preparation@20260310T1200Z", "customer", await feed.RunJobAsync("customer"));
        var recordedAt = Assert.Single((await feed.ReadAllAsync()).Changes).RecordedAt;
        var clock = new FakeTimeProvider(new DateTimeOffset(recordedAt.AddDays(89), TimeSpan.Zero));
        var options = Options.Create(new OrchestratorOptions { Changes = new ChangesOptions { Retention = TimeSpan.FromDays(90) } });
        var retention = new RetentionService(feed.Store.Query, feed.Store.Purge, feed.Feed, options, clock, NullLogger<RetentionService>.Instance);

        Assert.Equal(0, await retention.PurgeChangesAsync(TestContext.Current.CancellationToken));
        Assert.Single((await feed.ReadAllAsync()).Changes);
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await retention.PurgeChangesAsync(TestContext.Current.CancellationToken));
        Assert.Empty((await feed.ReadAllAsync()).Changes);
    }

    [Theory]
    [InlineData("00:30:00")]
    [InlineData("36501.00:00:00")]
    public void A_retention_out_of_bounds_is_a_start_up_problem_naming_the_setting(string value)
    {
        var result = new HostOptionsValidator().Validate(null, new OrchestratorOptions { Changes = new ChangesOptions { Retention = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) } });

        Assert.True(result.Failed);
        Assert.Contains($"Orchestrator:Changes:Retention: {TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)} is not allowed; keep changes for 01:00:00 to 36500.00:00:00", result.FailureMessage, StringComparison.Ordinal);
    }
}
