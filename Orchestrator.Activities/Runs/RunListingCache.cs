using System.Collections.Concurrent;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Reuses a run listing for <see cref="Reuse"/>: dashboards poll the same first page, and with many watchers one
/// store query per interval serves them all (the store's keyed query is cheap, but not free under SQLite's single
/// writer, and the <c>api</c> benchmark measures exactly this). Every command that changes runs drops the reused
/// pages at once, so a change made here is seen on the next read.
/// </summary>
public sealed class RunListingCache(TimeProvider time)
{
    const int MaxEntries = 1000;

    readonly ConcurrentDictionary<RunFilter, (DateTime Until, Task<RunPage> Page)> pages = new();

    /// <summary>Filters added since the last clear.</summary>
    int added;

    /// <summary>How long a run listing is reused.</summary>
    public static TimeSpan Reuse { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The reused page for <paramref name="filter"/>, or the one <paramref name="query"/> reads now.</summary>
    public Task<RunPage> GetAsync(RunFilter filter, Func<RunFilter, Task<RunPage>> query, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // A query still running is joined even past its reuse window: starting another beside it is how one slow
        // listing used to pile up a query a second under many watchers.
        var known = pages.TryGetValue(filter, out var recent);
        if (known && (recent.Until > now || !recent.Page.IsCompleted) && !recent.Page.IsFaulted)
        {
            return recent.Page.WaitAsync(cancellationToken);
        }

        // Concurrent callers share one query; the token of whoever started it does not cancel the others.
        var page = query(filter);
        pages[filter] = (now + Reuse, page);
        // Counted here, not with pages.Count, which takes every lock of the dictionary: with a listing of its own per
        // request that was a lock convoy on every query. An estimate under races, which is all a bound needs.
        if (!known && Interlocked.Increment(ref added) > MaxEntries)
        {
            Invalidate();
        }

        return page.WaitAsync(cancellationToken);
    }

    /// <summary>Drops every reused page: runs changed.</summary>
    public void Invalidate()
    {
        pages.Clear();
        Interlocked.Exchange(ref added, 0);
    }
}
