using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Tests.Runs;

/// <summary>Many watchers of one listing share one store query, and a slow query is never doubled.</summary>
public sealed class RunListingCacheTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_listing_still_being_read_past_its_reuse_window_is_joined_not_queried_again()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var cache = new RunListingCache(clock);
        var filter = new RunFilter(Status: RunStatus.Failed);
        var slow = new TaskCompletionSource<RunPage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queries = 0;
        Task<RunPage> Query(RunFilter _)
        {
            queries++;
            return slow.Task;
        }

        var first = cache.GetAsync(filter, Query, Token);
        clock.Advance(RunListingCache.Reuse * 5);
        var second = cache.GetAsync(filter, Query, Token);

        Assert.Equal(1, queries);
        slow.SetResult(new RunPage([], null));
        Assert.Same(await first, await second);

        // Once read and past the window, the next watcher reads again.
        clock.Advance(RunListingCache.Reuse * 2);
        await cache.GetAsync(filter, _ => { queries++; return Task.FromResult(new RunPage([], null)); }, Token);
        Assert.Equal(2, queries);
    }

    [Fact]
    public async Task More_listings_than_it_keeps_drop_the_kept_ones()
    {
        var cache = new RunListingCache(new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero)));
        var queries = 0;
        Task<RunPage> Query(RunFilter _)
        {
            queries++;
            return Task.FromResult(new RunPage([], null));
        }

        await cache.GetAsync(new RunFilter(Limit: 0), Query, Token);
        await cache.GetAsync(new RunFilter(Limit: 0), Query, Token);
        Assert.Equal(1, queries);

        // A thousand other listings (each viewer's own `until`, say) later, the first is read again.
        for (var i = 1; i <= 1000; i++)
        {
            await cache.GetAsync(new RunFilter(Limit: i), Query, Token);
        }

        await cache.GetAsync(new RunFilter(Limit: 0), Query, Token);
        Assert.Equal(1002, queries);
    }
}
