using System.Globalization;
using System.Text;
using DurableTask.Core;
using DurableTask.Core.Query;

namespace Orchestrator.Storage.SqlServer;

/// <summary>
/// Run listings want the newest runs first, paged after the last one shown. DurableTask.SqlServer lists oldest first
/// and pages by offset, so this reads it in creation-time windows going back from the newest, widening a window
/// whenever it held too few, and sorts each window newest first. Its continuation token is the last instance
/// returned (creation time and id), so it stays right while runs are created or purged between pages.
/// </summary>
public sealed class NewestFirstQueryClient(IOrchestrationServiceQueryClient inner, TimeProvider time) : IOrchestrationServiceQueryClient
{
    static readonly TimeSpan FirstWindow = TimeSpan.FromHours(6);

    public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = query.PageSize > 0 ? query.PageSize : 100;
        var after = Position.Parse(query.ContinuationToken);
        var lower = query.CreatedTimeFrom ?? DateTime.MinValue;
        // Without an upper bound, start a day ahead of now: clocks of other replicas may run a little fast.
        var upper = Min(query.CreatedTimeTo ?? time.GetUtcNow().UtcDateTime.AddDays(1), after?.CreatedTime ?? DateTime.MaxValue);

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
                if (after is null || after.IsAfter(state))
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
        return new OrchestrationQueryResult(page, more && page.Count > 0 ? new Position(page[^1].CreatedTime, page[^1].OrchestrationInstance.InstanceId).ToString() : null);
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

    /// <summary>The last instance returned; the next page starts strictly after it.</summary>
    sealed record Position(DateTime CreatedTime, string InstanceId)
    {
        public override string ToString() =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{CreatedTime.Ticks.ToString(CultureInfo.InvariantCulture)}|{InstanceId}"));

        public static Position? Parse(string? token)
        {
            if (string.IsNullOrEmpty(token))
            {
                return null;
            }

            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|', 2);
            return new Position(new DateTime(long.Parse(parts[0], CultureInfo.InvariantCulture), DateTimeKind.Utc), parts[1]);
        }

        public bool IsAfter(OrchestrationState state) =>
            state.CreatedTime < CreatedTime
            || (state.CreatedTime == CreatedTime && string.CompareOrdinal(state.OrchestrationInstance.InstanceId, InstanceId) < 0);
    }
}
