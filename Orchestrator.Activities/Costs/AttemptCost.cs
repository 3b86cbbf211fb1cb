namespace Orchestrator.Activities.Costs;

/// <summary>
/// What one attempt (a job run or a crawl) is billed: <see cref="DpuSeconds"/> after Glue's minimums and its
/// <see cref="Cost"/> at the prices configured when it was recorded. <see cref="Basis"/> says how the DPU-seconds were
/// told (<see cref="Reported"/>: Glue's DPUSeconds; <see cref="Capacity"/>: execution time × DPUs; <see cref="Crawl"/>:
/// crawl time × the configured crawler DPUs); <see cref="Estimated"/> when the capacity was configured, not reported
/// (the local engine standing in for an AWS job, and every crawl: Glue does not report a crawl's DPUs).
/// </summary>
public sealed record AttemptCost(double DpuSeconds, double Cost, string Basis, bool Flex = false, bool Estimated = false)
{
    public const string Reported = "DPUSeconds";
    public const string Capacity = "Capacity";
    public const string Crawl = "Crawl";

    /// <summary>Crawls are billed at least ten minutes each (AWS Glue pricing, read 2026-12-01).</summary>
    public static readonly TimeSpan CrawlMinimum = TimeSpan.FromMinutes(10);

    /// <summary>A crawl of <paramref name="duration"/>, billed per started second with the ten-minute minimum.</summary>
    public static AttemptCost ForCrawl(TimeSpan duration, CrawlRate rate)
    {
        var seconds = Math.Max(Math.Ceiling(Math.Max(0, duration.TotalSeconds)), CrawlMinimum.TotalSeconds);
        var dpuSeconds = seconds * rate.Dpu;
        return new AttemptCost(dpuSeconds, dpuSeconds / 3600 * rate.DpuHourPrice, Crawl, Estimated: true);
    }
}

/// <summary>How crawls are billed: the configured DPUs and their price per DPU-hour.</summary>
public sealed record CrawlRate(double Dpu, double DpuHourPrice)
{
    public static readonly CrawlRate Default = new(new CostOptions().CrawlerDpu, new CostOptions().CrawlerDpuHourPrice);
}
