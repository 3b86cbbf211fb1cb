using Orchestrator.Glue;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>FindJobRunByMarker: newest-first paging with an early stop, oldest-first lists (moto) and the page bound.</summary>
public sealed class AwsGlueMarkerScanTests : IDisposable
{
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    readonly WireMockServer server = WireMockServer.Start();
    readonly AwsGlueHarness glue;

    public AwsGlueMarkerScanTests() => glue = AwsGlueHarness.Create(server.Url, new Dictionary<string, string?>
    {
        ["MarkerScanPageSize"] = "3",
        ["MarkerScanMaxPages"] = "4",
    });

    public void Dispose()
    {
        glue.Dispose();
        server.Dispose();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Finds_the_marker_on_a_later_newest_first_page()
    {
        server.RespondInSequence("GetJobRuns",
            GlueStubs.Json(GlueStubs.JobRunsPage("t2",
                GlueStubs.JobRun("jr_5", "RUNNING", Now, "m5"),
                GlueStubs.JobRun("jr_4", "RUNNING", Now.AddSeconds(-10), "m4"),
                GlueStubs.JobRun("jr_3", "SUCCEEDED", Now.AddSeconds(-20), "m3"))),
            GlueStubs.Json(GlueStubs.JobRunsPage("t3",
                GlueStubs.JobRun("jr_2", "SUCCEEDED", Now.AddSeconds(-30), "m2"),
                GlueStubs.JobRun("jr_1", "SUCCEEDED", Now.AddSeconds(-40), "wanted"))));

        var run = await glue.Backend.FindJobRunByMarkerAsync("j1", "wanted", Now.AddMinutes(-5), Token);

        Assert.Equal("jr_1", run?.Id);
        var pages = server.RequestsFor("GetJobRuns");
        Assert.Equal(2, pages.Count);
        Assert.Equal("""{"JobName":"j1","MaxResults":3,"NextToken":"t2"}""", GlueStubs.BodyJson(pages[1]).ToJsonString());
    }

    [Fact]
    public async Task Stops_at_runs_started_before_the_request_when_newest_first()
    {
        server.RespondInSequence("GetJobRuns",
            GlueStubs.Json(GlueStubs.JobRunsPage("t2",
                GlueStubs.JobRun("jr_9", "RUNNING", Now, "m9"),
                GlueStubs.JobRun("jr_8", "SUCCEEDED", Now.AddHours(-2), "m8"),
                GlueStubs.JobRun("jr_7", "SUCCEEDED", Now.AddHours(-3), "m7"))),
            GlueStubs.Json(GlueStubs.JobRunsPage(null, GlueStubs.JobRun("jr_1", "SUCCEEDED", Now.AddHours(-4), "wanted"))));

        var run = await glue.Backend.FindJobRunByMarkerAsync("j1", "wanted", Now.AddMinutes(-5), Token);

        Assert.Null(run);
        Assert.Single(server.RequestsFor("GetJobRuns"));
    }

    [Fact]
    public async Task Tolerates_oldest_first_lists_whose_first_runs_are_old()
    {
        server.RespondInSequence("GetJobRuns",
            GlueStubs.Json(GlueStubs.JobRunsPage("t2",
                GlueStubs.JobRun("jr_1", "SUCCEEDED", Now.AddHours(-3), "m1"),
                GlueStubs.JobRun("jr_2", "SUCCEEDED", Now.AddHours(-2), "m2"),
                GlueStubs.JobRun("jr_3", "SUCCEEDED", Now.AddHours(-1), "m3"))),
            GlueStubs.Json(GlueStubs.JobRunsPage(null,
                GlueStubs.JobRun("jr_4", "RUNNING", Now.AddSeconds(-5), "wanted"),
                GlueStubs.JobRun("jr_5", "RUNNING", Now, "m5"))));

        var run = await glue.Backend.FindJobRunByMarkerAsync("j1", "wanted", Now.AddMinutes(-5), Token);

        Assert.Equal("jr_4", run?.Id);
        Assert.Equal(JobRunState.Running, run?.State);
        Assert.Equal(2, server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task Returns_the_newest_of_several_runs_with_the_marker()
    {
        server.Respond("GetJobRuns", GlueStubs.Json(GlueStubs.JobRunsPage(null,
            GlueStubs.JobRun("jr_1", "FAILED", Now.AddSeconds(-30), "wanted"),
            GlueStubs.JobRun("jr_2", "RUNNING", Now.AddSeconds(-10), "wanted"))));

        var run = await glue.Backend.FindJobRunByMarkerAsync("j1", "wanted", Now.AddMinutes(-5), Token);

        Assert.Equal("jr_2", run?.Id);
    }

    [Fact]
    public async Task Reads_no_more_than_MarkerScanMaxPages_pages()
    {
        server.Respond("GetJobRuns", GlueStubs.Json(GlueStubs.JobRunsPage("more",
            GlueStubs.JobRun("jr_x", "RUNNING", Now, "other"))));

        var run = await glue.Backend.FindJobRunByMarkerAsync("j1", "wanted", Now.AddMinutes(-5), Token);

        Assert.Null(run);
        Assert.Equal(4, server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task An_unknown_job_fails_with_EntityNotFound()
    {
        server.Respond("GetJobRuns", GlueStubs.Error("EntityNotFoundException", "Job nope not found."));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.FindJobRunByMarkerAsync("nope", "wanted", Now, Token));

        Assert.Equal(GlueErrorCodes.EntityNotFound, error.ErrorCode);
    }
}
