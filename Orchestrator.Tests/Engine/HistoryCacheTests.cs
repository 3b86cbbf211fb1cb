using DurableTask.Core.History;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Engine;

/// <summary>The store's cache of checkpointed histories: bounded by the events it holds, the oldest entry out first.</summary>
public sealed class HistoryCacheTests
{
    [Fact]
    public void Beyond_its_bound_the_cache_drops_the_oldest_history_and_keeps_the_newer_ones()
    {
        // Room for three histories of ten events. The cache was bounded by instances and emptied whole when full, so
        // with more runs in flight than its bound nearly every turn read its history from the file again.
        var cache = new HistoryCache(30);
        for (var i = 0; i < 4; i++)
        {
            cache.Set($"run-{i}", "e1", History(10));
        }

        Assert.Null(cache.TryGet("run-0", "e1", 10));
        for (var i = 1; i < 4; i++)
        {
            Assert.Equal(10, cache.TryGet($"run-{i}", "e1", 10)?.Count);
        }
    }

    [Fact]
    public void A_history_set_again_counts_once_and_a_stale_length_or_execution_is_a_miss()
    {
        var cache = new HistoryCache(30);
        for (var turn = 1; turn <= 50; turn++)
        {
            cache.Set("busy", "e1", History(turn % 10));
        }

        cache.Set("other", "e1", History(10));
        cache.Set("third", "e1", History(10));
        Assert.Equal(10, cache.TryGet("other", "e1", 10)?.Count);
        Assert.Equal(10, cache.TryGet("third", "e1", 10)?.Count);
        Assert.Null(cache.TryGet("other", "e1", 11));
        Assert.Null(cache.TryGet("other", "e2", 10));

        cache.Remove("other");
        Assert.Null(cache.TryGet("other", "e1", 10));
    }

    static List<HistoryEvent> History(int count) =>
        Enumerable.Range(0, count).Select(i => (HistoryEvent)new TaskScheduledEvent(i)).ToList();
}
