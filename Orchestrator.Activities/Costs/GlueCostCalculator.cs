using Microsoft.Extensions.Options;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Costs;

/// <summary>
/// Prices Glue attempts with the configured <see cref="CostOptions"/>: a job run by its billed DPU-seconds
/// (<see cref="JobRunCapacity.BilledDpuSeconds"/>) at the standard or Flex price, a crawl by its duration with the
/// ten-minute minimum × the configured crawler DPUs at the crawler price.
/// </summary>
public sealed class GlueCostCalculator(IOptions<CostOptions> options)
{
    public static readonly GlueCostCalculator Default = new(Options.Create(new CostOptions()));

    public CostOptions Prices => options.Value;

    public CrawlRate CrawlRate => new(Prices.CrawlerDpu, Prices.CrawlerDpuHourPrice);

    /// <summary>A job run's cost so far (all of it once it ended); null when Glue reported neither DPUSeconds nor its capacity.</summary>
    public AttemptCost? ForJobRun(int executionTimeSeconds, double? reportedDpuSeconds, JobRunCapacity? capacity)
    {
        capacity ??= new JobRunCapacity();
        if (capacity.BilledDpuSeconds(executionTimeSeconds, reportedDpuSeconds) is not { } dpuSeconds)
        {
            return null;
        }

        var price = capacity.IsFlex ? Prices.FlexDpuHourPrice : Prices.StandardDpuHourPrice;
        var basis = reportedDpuSeconds is not null && !capacity.Estimated ? AttemptCost.Reported : AttemptCost.Capacity;
        return new AttemptCost(dpuSeconds, dpuSeconds / 3600 * price, basis, capacity.IsFlex, capacity.Estimated);
    }

    public AttemptCost ForCrawl(TimeSpan duration) => AttemptCost.ForCrawl(duration, CrawlRate);
}
