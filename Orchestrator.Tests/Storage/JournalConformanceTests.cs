using Orchestrator.Storage.Journals;

namespace Orchestrator.Tests.Storage;

/// <summary>
/// What every store's journal guarantees (<see cref="IJournal"/>): commit order with a cursor that resumes exactly
/// (also while appends run concurrently), idempotent appends per stream and key, filters, and purge by age.
/// Each test writes its own stream, so stores shared between tests (SQL Server) never mix them.
/// </summary>
public abstract class JournalConformanceTests
{
    protected static readonly DateTime Start = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    protected readonly string Stream = $"test-{Guid.NewGuid():N}";

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    protected abstract Task<IJournal> OpenAsync();

    protected JournalAppend Entry(string key, string? scope = "p", string? subscope = "e", string? correlation = "run", int minutes = 0) =>
        new(Stream, key, scope, subscope, correlation, $$"""{"key":"{{key}}"}""", Start.AddMinutes(minutes));

    [Fact]
    public async Task Concurrent_appends_read_back_in_sequence_order_once_each_and_the_cursor_resumes_exactly()
    {
        var journal = await OpenAsync();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await journal.AppendAsync([Entry($"w{w}-{i}a"), Entry($"w{w}-{i}b")], Token);
            }
        }, Token));
        var seen = new List<JournalEntry>();
        var after = 0L;
        // Read while the writers write: every page resumes after the last entry seen.
        var reading = Task.WhenAll(writers);
        while (true)
        {
            var done = reading.IsCompleted;
            var page = await journal.ReadAsync(new JournalQuery(Stream, after, 7), Token);
            seen.AddRange(page.Entries);
            after = page.NextAfter(after);
            if (page.Entries.Count == 0)
            {
                // Empty after every writer had finished: everything committed has been read.
                if (done)
                {
                    break;
                }

                await Task.WhenAny(reading, Task.Delay(10, Token));
            }
        }

        await reading;
        Assert.Equal(400, seen.Count);
        Assert.Equal(400, seen.Select(e => e.DedupeKey).Distinct().Count());
        Assert.Equal(seen.Select(e => e.Sequence).Order(), seen.Select(e => e.Sequence));
        Assert.Equal(seen.Count, seen.Select(e => e.Sequence).Distinct().Count());
        // One append's entries keep their order.
        foreach (var pair in seen.GroupBy(e => e.DedupeKey[..^1]))
        {
            Assert.Equal(["a", "b"], pair.OrderBy(e => e.Sequence).Select(e => e.DedupeKey[^1..]));
        }

        Assert.Empty((await journal.ReadAsync(new JournalQuery(Stream, after, 100), Token)).Entries);
        await journal.AppendAsync([Entry("late")], Token);
        Assert.Equal(["late"], (await journal.ReadAsync(new JournalQuery(Stream, after, 100), Token)).Entries.Select(e => e.DedupeKey));
    }

    [Fact]
    public async Task An_entry_whose_key_the_stream_holds_is_skipped_so_work_that_runs_twice_records_once()
    {
        var journal = await OpenAsync();

        Assert.Equal(2, await journal.AppendAsync([Entry("run-1|day=1"), Entry("run-1|day=2")], Token));
        Assert.Equal(1, await journal.AppendAsync([Entry("run-1|day=1"), Entry("run-1|day=2"), Entry("run-1|day=3")], Token));

        var entries = (await journal.ReadAsync(new JournalQuery(Stream, 0, 100), Token)).Entries;
        Assert.Equal(["run-1|day=1", "run-1|day=2", "run-1|day=3"], entries.Select(e => e.DedupeKey));
        Assert.Equal("""{"key":"run-1|day=1"}""", entries[0].Body);
        Assert.Equal(Start, entries[0].RecordedAt);
        Assert.Equal(DateTimeKind.Utc, entries[0].RecordedAt.Kind);
    }

    [Fact]
    public async Task Reads_filter_by_scope_subscope_and_correlation_and_page_with_has_more()
    {
        var journal = await OpenAsync();
        await journal.AppendAsync(
        [
            Entry("1", "p", "a", "r1"), Entry("2", "p", "b", "r1"), Entry("3", "q", "a", "r2"), Entry("4", "p", "a", "r2"), Entry("5", null, null, null),
        ], Token);

        async Task<string[]> Keys(JournalQuery query) => [.. (await journal.ReadAsync(query, Token)).Entries.Select(e => e.DedupeKey)];

        Assert.Equal(["1", "2", "4"], await Keys(new JournalQuery(Stream, 0, 10) { Scope = "p" }));
        Assert.Equal(["1", "3", "4"], await Keys(new JournalQuery(Stream, 0, 10) { Subscope = "a" }));
        Assert.Equal(["1", "4"], await Keys(new JournalQuery(Stream, 0, 10) { Scope = "p", Subscope = "a" }));
        Assert.Equal(["3", "4"], await Keys(new JournalQuery(Stream, 0, 10) { Correlation = "r2" }));
        Assert.Equal(["1", "2", "3", "4", "5"], await Keys(new JournalQuery(Stream, 0, 10)));
        var first = await journal.ReadAsync(new JournalQuery(Stream, 0, 2) { Scope = "p" }, Token);
        Assert.True(first.HasMore);
        var second = await journal.ReadAsync(new JournalQuery(Stream, first.NextAfter(0), 2) { Scope = "p" }, Token);
        Assert.Equal(["4"], second.Entries.Select(e => e.DedupeKey));
        Assert.False(second.HasMore);
    }

    [Fact]
    public async Task Purge_deletes_only_the_streams_older_entries_and_a_purged_sequence_is_never_given_again()
    {
        var journal = await OpenAsync();
        await journal.AppendAsync([Entry("old-1", minutes: 0), Entry("old-2", minutes: 1), Entry("new", minutes: 10)], Token);
        var other = Entry("other", minutes: 0) with { Stream = Stream + "-other" };
        await journal.AppendAsync([other], Token);
        var newest = (await journal.ReadAsync(new JournalQuery(Stream, 0, 10), Token)).Entries[^1].Sequence;

        Assert.Equal(2, await journal.PurgeAsync(Stream, Start.AddMinutes(5), Token));
        Assert.Equal(["new"], (await journal.ReadAsync(new JournalQuery(Stream, 0, 10), Token)).Entries.Select(e => e.DedupeKey));
        Assert.Single((await journal.ReadAsync(new JournalQuery(other.Stream, 0, 10), Token)).Entries);

        Assert.Equal(1, await journal.PurgeAsync(Stream, Start.AddDays(1), Token));
        await journal.AppendAsync([Entry("after-purge", minutes: 20)], Token);
        var again = Assert.Single((await journal.ReadAsync(new JournalQuery(Stream, 0, 10), Token)).Entries);
        Assert.True(again.Sequence > newest, $"sequence {again.Sequence} was given again after a purge (newest before it: {newest})");
    }
}
