using System.Text.Json.Nodes;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// The backend against moto_server, a second, independent implementation of Glue's JSON 1.1 protocol: crawlers and
/// job runs driven to terminal states with moto's state manager, and the marker reconciliation run for real.
/// </summary>
public sealed class MotoGlueIntegrationTests : IClassFixture<MotoServerFixture>, IDisposable
{
    static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(20);

    readonly MotoServerFixture moto;
    readonly AwsGlueHarness glue;

    public MotoGlueIntegrationTests(MotoServerFixture moto)
    {
        this.moto = moto;
        glue = AwsGlueHarness.Create(moto.SkipReason is null ? moto.Url : null,
            new Dictionary<string, string?> { ["MarkerScanPageSize"] = "2" });
    }

    public void Dispose() => glue.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    IGlueBackend Backend => glue.Backend;

    void SkipWithoutMoto()
    {
        if (moto.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    [Fact]
    public async Task A_crawler_runs_to_completion_and_a_second_start_attaches_to_the_running_crawl()
    {
        SkipWithoutMoto();
        var crawler = await CreateCrawlerAsync();
        await moto.SetTransitionAsync("glue::crawl", """{"progression": "time", "seconds": 2}""");
        var requestedAt = DateTimeOffset.UtcNow;

        Assert.Equal(CrawlerStartResult.Started, await Backend.StartCrawlerAsync(crawler, Token));
        Assert.Equal(CrawlerStartResult.AlreadyRunning, await Backend.StartCrawlerAsync(crawler, Token));
        Assert.Equal(CrawlerState.Running, (await Backend.GetCrawlerAsync(crawler, Token)).State);

        var finished = await PollAsync(() => Backend.GetCrawlerAsync(crawler, Token), c => c.State == CrawlerState.Ready);

        Assert.NotNull(finished.LastCrawl);
        Assert.Equal("COMPLETED", finished.LastCrawl.Status.Value); // moto's value; real Glue says SUCCEEDED
        Assert.InRange(finished.LastCrawl.StartTime!.Value, requestedAt.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Null(finished.LastCrawl.TablesCreated); // moto has no GetCrawlerMetrics
        Assert.Contains(glue.Calls, c => c.Operation == "GetCrawlerMetrics" && c.Outcome != GlueApiMetrics.SuccessOutcome);

        await Backend.StopCrawlerAsync(crawler, Token); // not running: counts as stopped
    }

    [Fact]
    public async Task A_running_crawl_is_stopped_and_stopping_again_is_harmless()
    {
        SkipWithoutMoto();
        var crawler = await CreateCrawlerAsync();
        await moto.SetTransitionAsync("glue::crawl", """{"progression": "manual", "times": 1000}""");
        await Backend.StartCrawlerAsync(crawler, Token);

        await Backend.StopCrawlerAsync(crawler, Token);
        Assert.Equal(CrawlerState.Stopping, (await Backend.GetCrawlerAsync(crawler, Token)).State);
        await Backend.StopCrawlerAsync(crawler, Token);
    }

    [Fact]
    public async Task A_job_run_starts_with_the_marker_and_is_polled_to_success()
    {
        SkipWithoutMoto();
        var job = await CreateJobAsync(maxConcurrentRuns: 2);
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "manual", "times": 1}""");
        var marker = $"data-preparation@manual-{Guid.NewGuid():N}/customer/1";

        var definition = await Backend.GetJobAsync(job, Token);
        var start = await Backend.StartJobRunAsync(job, new Dictionary<string, string> { ["--source_entity_name"] = "customer" }, marker, Token);

        Assert.Equal(2, definition.MaxConcurrentRuns);
        Assert.Equal(60, definition.TimeoutMinutes);
        Assert.Equal("job-bookmark-enable", definition.DefaultArguments["--job-bookmark-option"]);
        Assert.False(start.Adopted);
        var states = new List<JobRunState>();
        var run = await PollAsync(() => Backend.GetJobRunAsync(job, start.RunId, Token), r =>
        {
            states.Add(r.State);
            return r.State.IsTerminal;
        });
        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Contains(JobRunState.Running, states);
        Assert.Equal(marker, run.Marker);
        Assert.Equal("customer", run.Arguments["--source_entity_name"]);
        Assert.Equal("job-bookmark-enable", run.Arguments["--job-bookmark-option"]);
        Assert.NotNull(run.StartedOn);
    }

    [Fact]
    public async Task A_start_refused_with_ConcurrentRunsExceeded_adopts_our_run_and_rethrows_for_anothers()
    {
        SkipWithoutMoto();
        var job = await CreateJobAsync(maxConcurrentRuns: 1);
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "manual", "times": 1000}""");
        var ours = $"run-a/customer/{Guid.NewGuid():N}";
        var first = await Backend.StartJobRunAsync(job, new Dictionary<string, string>(), ours, Token);

        // As after a crash between StartJobRun and recording its id: the same start again.
        var again = await Backend.StartJobRunAsync(job, new Dictionary<string, string>(), ours, Token);
        var someoneElses = await Assert.ThrowsAsync<GlueException>(
            () => Backend.StartJobRunAsync(job, new Dictionary<string, string>(), $"run-b/customer/{Guid.NewGuid():N}", Token));

        Assert.False(first.Adopted);
        Assert.Equal(new JobRunStart(first.RunId, Adopted: true), again);
        Assert.Equal(GlueErrorCodes.ConcurrentRunsExceeded, someoneElses.ErrorCode);
        Assert.Equal(2, glue.Calls.Count(c => c == ("StartJobRun", GlueErrorCodes.ConcurrentRunsExceeded)));
        Assert.Equal(3, glue.Calls.Count(c => c.Operation == "StartJobRun"));

        await moto.SetTransitionAsync("glue::job_run", """{"progression": "immediate"}""");
        Assert.Equal(JobRunState.Succeeded, (await Backend.GetJobRunAsync(job, first.RunId, Token)).State);
        var later = await Backend.StartJobRunAsync(job, new Dictionary<string, string>(), $"run-b/customer/{Guid.NewGuid():N}", Token);
        Assert.False(later.Adopted);
        Assert.NotEqual(first.RunId, later.RunId);
    }

    [Fact]
    public async Task Runs_are_found_by_marker_across_pages_of_motos_oldest_first_list()
    {
        SkipWithoutMoto();
        var job = await CreateJobAsync(maxConcurrentRuns: 10);
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "immediate"}""");
        var started = new List<(string Marker, string RunId)>();
        for (var i = 0; i < 5; i++)
        {
            var marker = $"scan/{i}/{Guid.NewGuid():N}";
            started.Add((marker, (await Backend.StartJobRunAsync(job, new Dictionary<string, string>(), marker, Token)).RunId));
        }

        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var oldest = await Backend.FindJobRunByMarkerAsync(job, started[0].Marker, notBefore, Token);
        var newest = await Backend.FindJobRunByMarkerAsync(job, started[4].Marker, notBefore, Token);
        var missing = await Backend.FindJobRunByMarkerAsync(job, "scan/never-started", notBefore, Token);

        Assert.Equal(started[0].RunId, oldest?.Id);
        Assert.Equal(started[4].RunId, newest?.Id);
        Assert.Null(missing);
        Assert.Equal(JobRunState.Succeeded, newest?.State);
    }

    [Fact]
    public async Task Unknown_resources_fail_with_EntityNotFound()
    {
        SkipWithoutMoto();
        var job = await CreateJobAsync(maxConcurrentRuns: 1);

        var noJob = await Assert.ThrowsAsync<GlueException>(() => Backend.GetJobAsync("no-such-job", Token));
        var noCrawler = await Assert.ThrowsAsync<GlueException>(() => Backend.StartCrawlerAsync("no-such-crawler", Token));
        var noRun = await Assert.ThrowsAsync<GlueException>(() => Backend.GetJobRunAsync(job, "jr_nope", Token));
        var noStart = await Assert.ThrowsAsync<GlueException>(
            () => Backend.StartJobRunAsync("no-such-job", new Dictionary<string, string>(), "m", Token));

        Assert.All([noJob, noCrawler, noRun, noStart], e =>
        {
            Assert.Equal(GlueErrorCodes.EntityNotFound, e.ErrorCode);
            Assert.True(e.IsPermanent);
        });
    }

    async Task<string> CreateCrawlerAsync()
    {
        var name = $"crawler-{Guid.NewGuid():N}";
        await CallAsync("CreateCrawler", new JsonObject
        {
            ["Name"] = name,
            ["Role"] = "arn:aws:iam::123456789012:role/glue",
            ["DatabaseName"] = "raw",
            ["Targets"] = new JsonObject { ["S3Targets"] = new JsonArray(new JsonObject { ["Path"] = "s3://lake/raw/" }) },
        });
        return name;
    }

    async Task<string> CreateJobAsync(int maxConcurrentRuns)
    {
        var name = $"job-{Guid.NewGuid():N}";
        await CallAsync("CreateJob", new JsonObject
        {
            ["Name"] = name,
            ["Role"] = "arn:aws:iam::123456789012:role/glue",
            ["Command"] = new JsonObject { ["Name"] = "glueetl", ["ScriptLocation"] = "s3://lake/scripts/prep.py" },
            ["ExecutionProperty"] = new JsonObject { ["MaxConcurrentRuns"] = maxConcurrentRuns },
            ["DefaultArguments"] = new JsonObject { ["--job-bookmark-option"] = "job-bookmark-enable" },
            ["Timeout"] = 60,
        });
        return name;
    }

    /// <summary>Test-only Glue operations, sent through the product's signed client.</summary>
    Task<JsonObject> CallAsync(string operation, JsonObject request) =>
        glue.Client.SendAsync(operation, request, TestGlueJsonContext.Default.JsonObject,
            TestGlueJsonContext.Default.JsonObject, GlueRetryScope.AllTransient, Token);

    static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(PollTimeout);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
