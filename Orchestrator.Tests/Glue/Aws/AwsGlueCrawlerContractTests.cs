using Orchestrator.Glue;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>StartCrawler, GetCrawler (+ GetCrawlerMetrics) and StopCrawler against stubs of Glue's documented answers.</summary>
public sealed class AwsGlueCrawlerContractTests : IDisposable
{
    readonly WireMockServer server = WireMockServer.Start();
    readonly AwsGlueHarness glue;

    public AwsGlueCrawlerContractTests() => glue = AwsGlueHarness.Create(server.Url);

    public void Dispose()
    {
        glue.Dispose();
        server.Dispose();
    }

    [Fact]
    public async Task StartCrawler_sends_a_signed_request_with_the_name()
    {
        server.Respond("StartCrawler", GlueStubs.Json("{}"));

        var result = await glue.Backend.StartCrawlerAsync("raw-crawler", TestContext.Current.CancellationToken);

        Assert.Equal(CrawlerStartResult.Started, result);
        var request = Assert.Single(server.RequestsFor("StartCrawler"));
        SignedGlueRequest.AssertValid(request, "StartCrawler");
        Assert.Equal("""{"Name":"raw-crawler"}""", GlueStubs.BodyJson(request).ToJsonString());
        Assert.Equal([("StartCrawler", "success")], glue.Calls);
    }

    [Fact]
    public async Task StartCrawler_on_a_running_crawler_reports_AlreadyRunning_without_retrying()
    {
        server.Respond("StartCrawler",
            GlueStubs.Error("CrawlerRunningException", "Crawler with name raw-crawler has already started"));

        var result = await glue.Backend.StartCrawlerAsync("raw-crawler", TestContext.Current.CancellationToken);

        Assert.Equal(CrawlerStartResult.AlreadyRunning, result);
        Assert.Single(server.RequestsFor("StartCrawler"));
        Assert.Equal([("StartCrawler", "CrawlerRunningException")], glue.Calls);
    }

    [Fact]
    public async Task StartCrawler_of_an_unknown_crawler_fails_at_once_with_Glues_message()
    {
        server.Respond("StartCrawler", GlueStubs.Error("EntityNotFoundException", "Crawler entry with name nope does not exist"));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.StartCrawlerAsync("nope", TestContext.Current.CancellationToken));

        Assert.Equal(GlueErrorCodes.EntityNotFound, error.ErrorCode);
        Assert.True(error.IsPermanent);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("Crawler entry with name nope does not exist", error.Message, StringComparison.Ordinal);
        Assert.Single(server.RequestsFor("StartCrawler"));
    }

    [Fact]
    public async Task StartCrawler_OperationTimeout_is_retried()
    {
        server.RespondInSequence("StartCrawler",
            GlueStubs.Error("OperationTimeoutException", "The operation timed out"), GlueStubs.Json("{}"));

        var result = await glue.Backend.StartCrawlerAsync("raw-crawler", TestContext.Current.CancellationToken);

        Assert.Equal(CrawlerStartResult.Started, result);
        Assert.Equal(2, server.RequestsFor("StartCrawler").Count);
    }

    [Fact]
    public async Task GetCrawler_while_running_reads_state_and_previous_crawl_without_asking_for_metrics()
    {
        server.Respond("GetCrawler", GlueStubs.Json("""
            {"Crawler": {"Name": "raw-crawler", "State": "RUNNING", "CrawlElapsedTime": 12000, "DatabaseName": "raw",
              "Version": 3, "Schedule": {"State": "SCHEDULED"}, "Targets": {"S3Targets": [{"Path": "s3://b/raw"}]},
              "LastCrawl": {"Status": "SUCCEEDED", "StartTime": 1795528965.205, "LogGroup": "/aws-glue/crawlers",
                            "LogStream": "raw-crawler", "MessagePrefix": "abc"}}}
            """));

        var crawler = await glue.Backend.GetCrawlerAsync("raw-crawler", TestContext.Current.CancellationToken);

        Assert.Equal("raw-crawler", crawler.Name);
        Assert.Equal(CrawlerState.Running, crawler.State);
        Assert.NotNull(crawler.LastCrawl);
        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795528965205), crawler.LastCrawl.StartTime);
        Assert.Null(crawler.LastCrawl.TablesCreated);
        Assert.Empty(server.RequestsFor("GetCrawlerMetrics"));
        SignedGlueRequest.AssertValid(Assert.Single(server.RequestsFor("GetCrawler")), "GetCrawler");
    }

    [Fact]
    public async Task GetCrawler_when_ready_adds_table_counts_from_GetCrawlerMetrics()
    {
        server.Respond("GetCrawler", GlueStubs.Json("""
            {"Crawler": {"Name": "clean-crawler", "State": "READY",
              "LastCrawl": {"Status": "FAILED", "ErrorMessage": "Insufficient Lake Formation permission(s)",
                            "StartTime": 1.7955E9}}}
            """));
        server.Respond("GetCrawlerMetrics", GlueStubs.Json("""
            {"CrawlerMetricsList": [{"CrawlerName": "clean-crawler", "TimeLeftSeconds": 0, "StillEstimating": false,
              "LastRuntimeSeconds": 61.5, "MedianRuntimeSeconds": 58.0, "TablesCreated": 2, "TablesUpdated": 5,
              "TablesDeleted": 0}]}
            """));

        var crawler = await glue.Backend.GetCrawlerAsync("clean-crawler", TestContext.Current.CancellationToken);

        Assert.Equal(CrawlerState.Ready, crawler.State);
        Assert.NotNull(crawler.LastCrawl);
        Assert.Equal(CrawlStatus.Failed, crawler.LastCrawl.Status);
        Assert.Equal("Insufficient Lake Formation permission(s)", crawler.LastCrawl.ErrorMessage);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_795_500_000), crawler.LastCrawl.StartTime);
        Assert.Equal(2, crawler.LastCrawl.TablesCreated);
        Assert.Equal(5, crawler.LastCrawl.TablesUpdated);
        var metricsRequest = Assert.Single(server.RequestsFor("GetCrawlerMetrics"));
        SignedGlueRequest.AssertValid(metricsRequest, "GetCrawlerMetrics");
        Assert.Equal("""{"CrawlerNameList":["clean-crawler"]}""", GlueStubs.BodyJson(metricsRequest).ToJsonString());
    }

    [Fact]
    public async Task GetCrawler_treats_a_failing_GetCrawlerMetrics_as_no_metrics_and_asks_only_once()
    {
        server.Respond("GetCrawler", GlueStubs.Json("""
            {"Crawler": {"Name": "c1", "State": "READY", "LastCrawl": {"Status": "SUCCEEDED", "StartTime": 1795528965}}}
            """));
        // moto answers GetCrawlerMetrics like this.
        server.Respond("GetCrawlerMetrics", WireMock.ResponseBuilders.Response.Create().WithStatusCode(500)
            .WithHeader("Content-Type", "text/html").WithBody("<!doctype html><title>500 Internal Server Error</title>"));

        var crawler = await glue.Backend.GetCrawlerAsync("c1", TestContext.Current.CancellationToken);

        Assert.Equal(CrawlStatus.Succeeded, crawler.LastCrawl?.Status);
        Assert.Null(crawler.LastCrawl?.TablesCreated);
        Assert.Null(crawler.LastCrawl?.TablesUpdated);
        Assert.Single(server.RequestsFor("GetCrawlerMetrics"));
        Assert.Contains(("GetCrawlerMetrics", "Http500"), glue.Calls);
    }

    [Fact]
    public async Task GetCrawler_keeps_unknown_states_as_text()
    {
        server.Respond("GetCrawler", GlueStubs.Json("""
            {"Crawler": {"Name": "c1", "State": "PAUSED", "SomethingNew": {"x": 1},
              "LastCrawl": {"Status": "COMPLETED", "StartTime": 1795528965}}}
            """));
        server.Respond("GetCrawlerMetrics", GlueStubs.Json("""{"CrawlerMetricsList": []}"""));

        var crawler = await glue.Backend.GetCrawlerAsync("c1", TestContext.Current.CancellationToken);

        Assert.Equal("PAUSED", crawler.State.Value);
        Assert.Equal("COMPLETED", crawler.LastCrawl?.Status.Value);
    }

    [Fact]
    public async Task GetCrawler_of_a_crawler_that_never_ran_has_no_last_crawl()
    {
        server.Respond("GetCrawler", GlueStubs.Json("""{"Crawler": {"Name": "c1", "State": "READY"}}"""));

        var crawler = await glue.Backend.GetCrawlerAsync("c1", TestContext.Current.CancellationToken);

        Assert.Equal(CrawlerState.Ready, crawler.State);
        Assert.Null(crawler.LastCrawl);
        Assert.Empty(server.RequestsFor("GetCrawlerMetrics"));
    }

    [Theory]
    [InlineData("CrawlerNotRunningException", "Crawler with name c1 isn't running")]
    [InlineData("CrawlerStoppingException", "Crawler with name c1 is stopping")]
    public async Task StopCrawler_counts_not_running_and_stopping_as_stopped(string code, string message)
    {
        server.Respond("StopCrawler", GlueStubs.Error(code, message));

        await glue.Backend.StopCrawlerAsync("c1", TestContext.Current.CancellationToken);

        var request = Assert.Single(server.RequestsFor("StopCrawler"));
        Assert.Equal("""{"Name":"c1"}""", GlueStubs.BodyJson(request).ToJsonString());
    }

    [Fact]
    public async Task StopCrawler_succeeds_on_an_empty_object()
    {
        server.Respond("StopCrawler", GlueStubs.Json("{}"));

        await glue.Backend.StopCrawlerAsync("c1", TestContext.Current.CancellationToken);

        SignedGlueRequest.AssertValid(Assert.Single(server.RequestsFor("StopCrawler")), "StopCrawler");
    }

    [Fact]
    public async Task StopCrawler_of_an_unknown_crawler_fails()
    {
        server.Respond("StopCrawler", GlueStubs.Error("EntityNotFoundException", "Crawler entry with name c9 does not exist"));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.StopCrawlerAsync("c9", TestContext.Current.CancellationToken));

        Assert.Equal(GlueErrorCodes.EntityNotFound, error.ErrorCode);
    }
}
