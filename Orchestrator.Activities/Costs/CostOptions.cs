namespace Orchestrator.Activities.Costs;

/// <summary>
/// Prices of Glue capacity (<c>Orchestrator:Costs</c>), in US dollars per DPU-hour, as AWS bills Glue. The defaults are
/// AWS's published on-demand prices, the same in most regions (AWS Glue pricing page, read 2026-12-01): $0.44 per
/// DPU-hour for standard job runs and crawlers, $0.29 for Flex job runs. Set your region's or your contract's here.
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
}
