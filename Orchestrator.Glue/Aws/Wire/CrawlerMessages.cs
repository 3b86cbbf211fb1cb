namespace Orchestrator.Glue.Aws.Wire;

// Glue's crawler shapes (service model glue/2017-03-31), only the members the orchestrator reads.

/// <summary>Request of StartCrawler, GetCrawler and StopCrawler.</summary>
internal sealed record CrawlerNameRequest(string Name);

internal sealed record GetCrawlerResponse(CrawlerDto? Crawler);

internal sealed record CrawlerDto(
    string? Name,
    CrawlerState? State,
    LastCrawlDto? LastCrawl,
    long? CrawlElapsedTime,
    string? DatabaseName,
    long? Version);

/// <summary>Timestamps are epoch seconds with a fraction.</summary>
internal sealed record LastCrawlDto(
    CrawlStatus? Status,
    string? ErrorMessage,
    double? StartTime,
    string? LogGroup,
    string? LogStream,
    string? MessagePrefix);

internal sealed record GetCrawlerMetricsRequest(IReadOnlyList<string> CrawlerNameList);

internal sealed record GetCrawlerMetricsResponse(IReadOnlyList<CrawlerMetricsDto>? CrawlerMetricsList, string? NextToken);

internal sealed record CrawlerMetricsDto(
    string? CrawlerName,
    double? TimeLeftSeconds,
    bool? StillEstimating,
    double? LastRuntimeSeconds,
    double? MedianRuntimeSeconds,
    int? TablesCreated,
    int? TablesUpdated,
    int? TablesDeleted);

/// <summary>The empty object StartCrawler and StopCrawler return.</summary>
internal sealed record EmptyResponse;
