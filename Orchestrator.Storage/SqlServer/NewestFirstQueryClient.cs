using DurableTask.Core;
using DurableTask.Core.Query;
using Orchestrator.Storage.Listings;

namespace Orchestrator.Storage.SqlServer;

/// <summary>
/// Run listings want the newest runs first, paged after the last one shown. DurableTask.SqlServer lists oldest first
/// and pages by offset, so this reads it in creation-time windows going back from the newest, widening a window
/// whenever it held too few, and sorts each window newest first. Its continuation token is the last instance
/// returned (creation time and id), so it stays right while runs are created or purged between pages.
/// Microsoft owns the SQL Server schema, so nothing is added to it: a listing's group, name and outcome are checked
/// after the query (<see cref="ListInstancesAsync"/>), reading on until a page is full.
/// </summary>
public sealed class NewestFirstQueryClient(IOrchestrationServiceQueryClient inner, TimeProvider time) : IOrchestrationServiceQueryClient, IInstanceListing
{
    static readonly TimeSpan FirstWindow = TimeSpan.FromHours(6);

    public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = query.PageSize > 0 ? query.PageSize : 100;
        var after = ListingPosition.FromToken(query.ContinuationToken);
        var lower = query.CreatedTimeFrom ?? DateTime.MinValue;
        // Without an upper bound, start a day ahead of now: clocks of other replicas may run a little fast.
        var upper = Min(query.CreatedTimeTo ?? time.GetUtcNow().UtcDateTime.AddDays(1), after?.CreatedAt ?? DateTime.MaxValue);

        var found = new List<OrchestrationState>();
        var window = FirstWindow;
        var end = upper;
        var more = false;
        while (end >= lower)
        {
            var start = end - lower > window ? end - window : lower;
            window = window < TimeSpan.FromDays(3650) ? window * 4 : window;
            foreach (var state in await ReadWindowAsync(query, start, end, cancellationToken))
            {
                if (after is not { } position || position.Precedes(state.CreatedTime, state.OrchestrationInstance.InstanceId))
                {
                    found.Add(state);
                }
            }

            if (start <= lower)
            {
                break;
            }

            end = start.AddTicks(-1);
            if (found.Count > pageSize)
            {
                more = true;
                break;
            }
        }

        var page = found.OrderByDescending(s => s.CreatedTime).ThenByDescending(s => s.OrchestrationInstance.InstanceId, StringComparer.Ordinal).ToList();
        more |= page.Count > pageSize;
        page = page.Take(pageSize).ToList();
        return new OrchestrationQueryResult(page, more && page.Count > 0 ? new ListingPosition(page[^1].CreatedTime, page[^1].OrchestrationInstance.InstanceId).ToToken() : null);
    }

    public async Task<InstancePage> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var request = new OrchestrationQuery
        {
            // The prefix narrows; the exact group is checked after (LIKE reads '_' and '%' in a name as wildcards).
            InstanceIdPrefix = filter.Group is { } group ? $"{group}@" : null,
            RuntimeStatus = filter.Outcomes is { } outcomes ? [.. InstanceOutcomes.RuntimeStatuses(outcomes)] : null,
            CreatedTimeFrom = filter.CreatedFrom,
            CreatedTimeTo = filter.CreatedTo,
            ContinuationToken = filter.After?.ToToken(),
            // Outcomes other than runtime statuses are checked after the query: read bigger pages for those.
            PageSize = Math.Max(filter.Limit + 1, 200),
            FetchInputsAndOutputs = false,
        };
        var found = new List<OrchestrationState>();
        do
        {
            var page = await GetOrchestrationWithQueryAsync(request, cancellationToken);
            found.AddRange(page.OrchestrationState.Where(filter.Matches));
            request.ContinuationToken = page.ContinuationToken;
        }
        while (found.Count <= filter.Limit && request.ContinuationToken is not null);

        return new InstancePage(found.Take(filter.Limit).ToList(), found.Count > filter.Limit);
    }

    async Task<List<OrchestrationState>> ReadWindowAsync(OrchestrationQuery query, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        var request = Copy(query, start, end, null);
        var states = new List<OrchestrationState>();
        do
        {
            var result = await inner.GetOrchestrationWithQueryAsync(request, cancellationToken);
            states.AddRange(result.OrchestrationState);
            request.ContinuationToken = result.ContinuationToken;
        }
        while (request.ContinuationToken is not null);

        return states;
    }

    static OrchestrationQuery Copy(OrchestrationQuery query, DateTime? from, DateTime? to, string? token) => new()
    {
        RuntimeStatus = query.RuntimeStatus,
        CreatedTimeFrom = from,
        CreatedTimeTo = to,
        TaskHubNames = query.TaskHubNames,
        PageSize = Math.Max(query.PageSize, 100),
        ContinuationToken = token,
        InstanceIdPrefix = query.InstanceIdPrefix,
        FetchInputsAndOutputs = query.FetchInputsAndOutputs,
        ExcludeEntities = query.ExcludeEntities,
    };

    static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
