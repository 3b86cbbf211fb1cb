namespace Orchestrator.Glue.Aws.Wire;

// Glue's crawler shapes (service model glue/2017-03-31), only the members the orchestrator reads.

/// <summary>Request of StartCrawler, GetCrawler and StopCrawler.</summary>
sealed record CrawlerNameRequest(string Name);

sealed record GetCrawlerResponse(CrawlerDto? Crawler);

sealed record CrawlerDto(
    string? Name,
    CrawlerState? State,
    LastCrawlDto? LastCrawl,
    long? CrawlElapsedTime,
    string? DatabaseName,
    long? Version);

/// <summary>Timestamps are epoch seconds with a fraction.</summary>
sealed record LastCrawlDto(
    CrawlStatus? Status,
    string? ErrorMessage,
    double? StartTime,
    string? LogGroup,
    string? LogStream,
    string? MessagePrefix);

sealed record GetCrawlerMetricsRequest(IReadOnlyList<string> CrawlerNameList);

sealed record GetCrawlerMetricsResponse(IReadOnlyList<CrawlerMetricsDto>? CrawlerMetricsList, string? NextToken);

sealed record CrawlerMetricsDto(
    string? CrawlerName,
    double? TimeLeftSeconds,
    bool? StillEstimating,
    double? LastRuntimeSeconds,
    double? MedianRuntimeSeconds,
    int? TablesCreated,
    int? TablesUpdated,
    int? TablesDeleted);

/// <summary>The empty object StartCrawler and StopCrawler return.</summary>
sealed record EmptyResponse;
