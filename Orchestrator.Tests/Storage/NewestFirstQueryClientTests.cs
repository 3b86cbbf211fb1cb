using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.Query;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Storage.SqlServer;

namespace Orchestrator.Tests.Storage;

/// <summary>
/// Newest-first paging over a store that lists oldest first and pages by offset, as DurableTask.SqlServer does.
/// The SQL provider itself cannot run here, so its documented listing behaviour is played by a stand-in over the
/// SQLite store, and the adapter's pages must equal the SQLite store's own newest-first listing.
/// </summary>
public sealed class NewestFirstQueryClientTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(7, null)]
    [InlineData(50, null)]
    [InlineData(13, OrchestrationStatus.Completed)]
    public async Task Pages_are_newest_first_and_continue_after_the_last_instance(int pageSize, OrchestrationStatus? status)
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        var pipeline = new PipelineDefinition("p", null, OverlapPolicy.Skip, false, null, null, CleanCrawlerCondition.AllSucceeded, 1,
            new PollPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 1.5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1),
            [new EntityDefinition("e", "job", new Dictionary<string, string>(), RetryPolicy.Default, TimeSpan.FromHours(1))]);
        // Sparse and dense stretches: three years back, so the windows have to widen.
        await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(150, DateTime.UtcNow, TimeSpan.FromMinutes(7), RandomSeed: 3));
        await RunHistorySeeder.SeedAsync(store, pipeline, new RunHistorySeed(30, DateTime.UtcNow.AddDays(-40), TimeSpan.FromDays(30), RandomSeed: 4));
        var query = new OrchestrationQuery { PageSize = pageSize, RuntimeStatus = status is { } s ? [s] : null };

        var expected = await ReadAllAsync(store, query);
        var paged = await ReadAllAsync(new NewestFirstQueryClient(new OldestFirstByOffset(store), TimeProvider.System), query);

        Assert.Equal(180, (await ReadAllAsync(store, new OrchestrationQuery { PageSize = 1000 })).Count);
        Assert.Equal(expected, paged);
    }

    static async Task<List<string>> ReadAllAsync(IOrchestrationServiceQueryClient client, OrchestrationQuery query)
    {
        var ids = new List<string>();
        var request = new OrchestrationQuery { PageSize = query.PageSize, RuntimeStatus = query.RuntimeStatus };
        do
        {
            var page = await client.GetOrchestrationWithQueryAsync(request, Token);
            Assert.True(page.OrchestrationState.Count <= query.PageSize);
            ids.AddRange(page.OrchestrationState.Select(s => s.OrchestrationInstance.InstanceId));
            request.ContinuationToken = page.ContinuationToken;
        }
        while (request.ContinuationToken is not null);

        return ids;
    }

    /// <summary>Lists like DurableTask.SqlServer 1.8: oldest first, the continuation token a page number.</summary>
    sealed class OldestFirstByOffset(IOrchestrationServiceQueryClient store) : IOrchestrationServiceQueryClient
    {
        public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
        {
            var all = new List<OrchestrationState>();
            var request = new OrchestrationQuery
            {
                RuntimeStatus = query.RuntimeStatus,
                CreatedTimeFrom = query.CreatedTimeFrom,
                CreatedTimeTo = query.CreatedTimeTo,
                InstanceIdPrefix = query.InstanceIdPrefix,
                PageSize = 1000,
            };
            do
            {
                var page = await store.GetOrchestrationWithQueryAsync(request, cancellationToken);
                all.AddRange(page.OrchestrationState);
                request.ContinuationToken = page.ContinuationToken;
            }
            while (request.ContinuationToken is not null);

            all.Reverse();
            var pageNumber = query.ContinuationToken is null ? 0 : int.Parse(query.ContinuationToken, CultureInfo.InvariantCulture);
            var rows = all.Skip(pageNumber * query.PageSize).Take(query.PageSize).ToList();
            var more = (pageNumber + 1) * query.PageSize < all.Count;
            return new OrchestrationQueryResult(rows, more ? (pageNumber + 1).ToString(CultureInfo.InvariantCulture) : null);
        }
    }

    public void Dispose() => directory.Dispose();
}
