using System.Collections.Concurrent;
using DurableTask.Core.History;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// The history this process last checkpointed per instance, so the next turn need not read and deserialize it
/// again (a fan-out of thousands of activities replays a long history on every turn). An entry is used only
/// when the stored history still ends where the cached one does: any other writer invalidates it.
/// Bounded by the events it holds, the oldest entry leaving first: it was bounded at 256 instances and emptied
/// whole when full, so with 500 runs in flight nearly every turn read its history from the file again.
/// Our own rather than BitFaster's LRU (used for listings): that one bounds by entry count, and one fan-out's
/// history weighs as much as a thousand short runs'.
/// </summary>
sealed class HistoryCache(int maxEvents)
{
    readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    // Entries in the order they were set; an entry replaced or removed since stays queued until it reaches the front
    // (or the queue is rebuilt), and is then skipped.
    readonly Queue<(string InstanceId, Entry Entry)> order = new();
    readonly Lock gate = new();
    long cachedEvents;

    public IList<HistoryEvent>? TryGet(string instanceId, string executionId, int storedCount) =>
        entries.TryGetValue(instanceId, out var entry) && entry.ExecutionId == executionId && entry.Events.Count == storedCount
            ? [.. entry.Events]
            : null;

    public void Set(string instanceId, string executionId, IReadOnlyList<HistoryEvent> events)
    {
        var entry = new Entry(executionId, events);
        lock (gate)
        {
            if (entries.TryGetValue(instanceId, out var previous))
            {
                cachedEvents -= previous.Events.Count;
            }

            entries[instanceId] = entry;
            cachedEvents += events.Count;
            order.Enqueue((instanceId, entry));
            while (cachedEvents > maxEvents && order.TryDequeue(out var oldest))
            {
                if (entries.TryRemove(new KeyValuePair<string, Entry>(oldest.InstanceId, oldest.Entry)))
                {
                    cachedEvents -= oldest.Entry.Events.Count;
                }
            }

            if (order.Count > (2 * entries.Count) + 64)
            {
                // Mostly replaced entries: keep the queue as long as the cache.
                var current = order.Where(queued => entries.TryGetValue(queued.InstanceId, out var live) && ReferenceEquals(live, queued.Entry)).ToList();
                order.Clear();
                foreach (var queued in current)
                {
                    order.Enqueue(queued);
                }
            }
        }
    }

    public void Remove(string instanceId)
    {
        lock (gate)
        {
            if (entries.TryRemove(instanceId, out var removed))
            {
                cachedEvents -= removed.Events.Count;
            }
        }
    }

    sealed record Entry(string ExecutionId, IReadOnlyList<HistoryEvent> Events);
}
