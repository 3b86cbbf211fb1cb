using System.Collections.Concurrent;
using DurableTask.Core.History;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// The history this process last checkpointed per instance, so the next turn need not read and deserialize it
/// again (a fan-out of thousands of activities replays a long history on every turn). An entry is used only
/// when the stored history still ends where the cached one does: any other writer invalidates it.
/// </summary>
sealed class HistoryCache(int capacity)
{
    readonly ConcurrentDictionary<string, Entry> entries = new();

    public IList<HistoryEvent>? TryGet(string instanceId, string executionId, int storedCount) =>
        entries.TryGetValue(instanceId, out var entry) && entry.ExecutionId == executionId && entry.Events.Count == storedCount
            ? [.. entry.Events]
            : null;

    public void Set(string instanceId, string executionId, IReadOnlyList<HistoryEvent> events)
    {
        if (entries.Count >= capacity && !entries.ContainsKey(instanceId))
        {
            // Crude but bounded: a busy host rebuilds what it needs on the next turns.
            entries.Clear();
        }

        entries[instanceId] = new Entry(executionId, events);
    }

    public void Remove(string instanceId) => entries.TryRemove(instanceId, out _);

    sealed record Entry(string ExecutionId, IReadOnlyList<HistoryEvent> Events);
}
