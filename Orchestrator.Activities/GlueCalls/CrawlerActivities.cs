using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Orchestrator.Activities.Costs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.GlueCalls;

public sealed record CrawlerRequest(string RunId, string Step, string Crawler) : IStepRequest;

public sealed record CrawlerStartOutcome(bool AlreadyRunning, GlueCallError? Error);

/// <summary>Starts a crawl; a crawl already in progress is reported so the orchestration waits for it.</summary>
public sealed class StartCrawlerActivity(IGlueBackend glue, ILogger<StartCrawlerActivity> logger) : GlueActivity<CrawlerRequest, CrawlerStartOutcome>(glue, logger)
{
    protected override async Task<CrawlerStartOutcome> CallAsync(CrawlerRequest input, CancellationToken cancellationToken)
    {
        var result = await Glue.StartCrawlerAsync(input.Crawler, cancellationToken);
        Logger.CrawlerStartOutcome(input.Crawler, result);
        return new CrawlerStartOutcome(result == CrawlerStartResult.AlreadyRunning, null);
    }

    protected override CrawlerStartOutcome Failed(GlueCallError error) => new(false, error);
}

/// <summary>A crawler's state as the orchestration records it.</summary>
public sealed record CrawlerSnapshot(
    string State,
    string? LastCrawlStatus,
    DateTime? LastCrawlStartTime,
    string? LastCrawlError,
    int? TablesCreated,
    int? TablesUpdated,
    GlueCallError? Error,
    bool LastCrawlInterrupted = false,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] CrawlRate? Rate = null)
{
    [JsonIgnore]
    public bool IsReady => State == CrawlerState.Ready.Value;
}

/// <summary>Reads a crawler, with the configured crawl <see cref="CrawlRate"/> the orchestration prices its crawls by.</summary>
public sealed class GetCrawlerActivity(IGlueBackend glue, ILogger<GetCrawlerActivity> logger, GlueCostCalculator? costs = null) : GlueActivity<CrawlerRequest, CrawlerSnapshot>(glue, logger)
{
    readonly GlueCostCalculator costs = costs ?? GlueCostCalculator.Default;

    protected override async Task<CrawlerSnapshot> CallAsync(CrawlerRequest input, CancellationToken cancellationToken)
    {
        var crawler = await Glue.GetCrawlerAsync(input.Crawler, cancellationToken);
        var last = crawler.LastCrawl;
        return new CrawlerSnapshot(crawler.State.Value, last?.Status.Value, last?.StartTime?.UtcDateTime, last?.ErrorMessage,
            last?.TablesCreated, last?.TablesUpdated, null, last?.Interrupted == true, costs.CrawlRate);
    }

    protected override CrawlerSnapshot Failed(GlueCallError error) => new(string.Empty, null, null, null, null, null, error);
}

/// <summary>Stops a crawl (timeout or terminated run); a crawler that is not running counts as stopped.</summary>
public sealed class StopCrawlerActivity(IGlueBackend glue, ILogger<StopCrawlerActivity> logger) : GlueActivity<CrawlerRequest, StopResult>(glue, logger)
{
    protected override async Task<StopResult> CallAsync(CrawlerRequest input, CancellationToken cancellationToken)
    {
        await Glue.StopCrawlerAsync(input.Crawler, cancellationToken);
        Logger.CrawlerStopRequested(input.Crawler);
        return new StopResult(null);
    }

    protected override StopResult Failed(GlueCallError error) => new(error);
}
