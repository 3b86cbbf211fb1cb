namespace Orchestrator.Activities.Costs;

/// <summary>
/// Prices of Glue capacity (<c>Orchestrator:Costs</c>), per DPU-hour, in <see cref="Currency"/>. The defaults are AWS's
/// published on-demand prices, the same in most regions (AWS Glue pricing page, read 2026-12-01): $0.44 per DPU-hour
/// for standard job runs and crawlers, $0.29 for Flex job runs. Set your region's or your contract's prices here.
/// </summary>
public sealed class CostOptions
{
    public const string Section = "Orchestrator:Costs";

    public double StandardDpuHourPrice { get; set; } = 0.44;

    public double FlexDpuHourPrice { get; set; } = 0.29;

    public double CrawlerDpuHourPrice { get; set; } = 0.44;

    /// <summary>
    /// DPUs a crawl is billed for: Glue does not report them per crawl (only afterwards, as DPUHour in ListCrawls), so
    /// they are configured; the default 2 is a small crawl's.
    /// </summary>
    public double CrawlerDpu { get; set; } = 2;

    /// <summary>The currency of the prices, shown beside costs.</summary>
    public string Currency { get; set; } = "USD";
}
