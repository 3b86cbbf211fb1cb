using Orchestrator.Glue;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>Crash-safe StartJobRun: the marker argument, and adoption of the marked run after ambiguous outcomes.</summary>
public sealed class AwsGlueJobRunStartTests : IDisposable
{
    const string Marker = "data-preparation@20260101T0000Z/customer/1";

    static readonly Dictionary<string, string> Arguments = new()
    {
        ["--source_entity_name"] = "customer",
        ["--partition_key"] = "created_date",
    };

    static readonly Dictionary<string, string?> ShortRequestTimeout = new() { ["RequestTimeout"] = "00:00:00.500" };

    readonly WireMockServer server = WireMockServer.Start();
    readonly AwsGlueHarness glue;

    public AwsGlueJobRunStartTests() =>
        glue = AwsGlueHarness.Create(server.Url);

    public void Dispose()
    {
        glue.Dispose();
        server.Dispose();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static string RunsWithMarker(string id) => GlueStubs.JobRunsPage(null,
        GlueStubs.JobRun("jr_other", "SUCCEEDED", DateTimeOffset.UtcNow.AddMinutes(-1), "someone-else"),
        GlueStubs.JobRun(id, "RUNNING", DateTimeOffset.UtcNow, Marker));

    [Fact]
    public async Task Start_sends_the_arguments_with_the_marker_and_returns_the_run_id()
    {
        server.Respond("StartJobRun", GlueStubs.Json("""{"JobRunId": "jr_new"}"""));

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_new", Adopted: false), start);
        var request = Assert.Single(server.RequestsFor("StartJobRun"));
        SignedGlueRequest.AssertValid(request, "StartJobRun");
        var body = GlueStubs.BodyJson(request);
        Assert.Equal("prep", body["JobName"]!.GetValue<string>());
        var sent = body["Arguments"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
        Assert.Equal(
            new Dictionary<string, string>(Arguments) { ["--orchestrator_run_marker"] = Marker }.OrderBy(kv => kv.Key),
            sent.OrderBy(kv => kv.Key));
        Assert.Empty(server.RequestsFor("GetJobRuns"));
    }

    [Fact]
    public async Task Start_rejects_arguments_not_named_with_two_dashes_before_calling_Glue()
    {
        var bad = new Dictionary<string, string> { ["source_entity_name"] = "customer", ["--ok"] = "1" };

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => glue.Backend.StartJobRunAsync("prep", bad, Marker, Token));

        Assert.Contains("source_entity_name", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.LogEntries);
    }

    [Theory]
    [InlineData("InternalServiceException", 500)]
    [InlineData("OperationTimeoutException", 400)]
    [InlineData("ServiceUnavailable", 503)]
    public async Task An_ambiguous_start_failure_adopts_the_marked_run_without_a_second_start(string code, int status)
    {
        server.Respond("StartJobRun", GlueStubs.Error(code, "the start may or may not have happened", status));
        server.Respond("GetJobRuns", GlueStubs.Json(RunsWithMarker("jr_existing")));

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_existing", Adopted: true), start);
        Assert.Single(server.RequestsFor("StartJobRun"));
        var scan = Assert.Single(server.RequestsFor("GetJobRuns"));
        SignedGlueRequest.AssertValid(scan, "GetJobRuns");
        Assert.Equal("""{"JobName":"prep","MaxResults":100}""", GlueStubs.BodyJson(scan).ToJsonString());
    }

    [Fact]
    public async Task A_timed_out_start_adopts_the_marked_run_without_a_second_start()
    {
        var received = 0;
        server.Respond("StartJobRun", GlueStubs.Json(_ =>
        {
            Interlocked.Increment(ref received);
            Thread.Sleep(TimeSpan.FromSeconds(2)); // longer than RequestTimeout: the client gives up first
            return """{"JobRunId": "jr_late"}""";
        }));
        server.Respond("GetJobRuns", GlueStubs.Json(RunsWithMarker("jr_late")));
        using var glue = AwsGlueHarness.Create(server.Url, ShortRequestTimeout);

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_late", Adopted: true), start);
        Assert.Equal(1, Volatile.Read(ref received));
        // WireMock logs a request once its (slow) answer is written.
        await GlueStubs.WaitUntilAsync(() => server.RequestsFor("StartJobRun").Count > 0, Token);
        Assert.Single(server.RequestsFor("StartJobRun"));
        Assert.Contains(("StartJobRun", "RequestTimeout"), glue.Calls);
    }

    [Fact]
    public async Task ConcurrentRunsExceeded_adopts_our_own_run()
    {
        server.Respond("StartJobRun", GlueStubs.Error("ConcurrentRunsExceededException", "Concurrent runs exceeded for prep"));
        server.Respond("GetJobRuns", GlueStubs.Json(RunsWithMarker("jr_ours")));

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_ours", Adopted: true), start);
        Assert.Single(server.RequestsFor("StartJobRun"));
    }

    [Fact]
    public async Task ConcurrentRunsExceeded_with_no_marked_run_looks_twice_then_fails_for_the_retry_policy()
    {
        server.Respond("StartJobRun", GlueStubs.Error("ConcurrentRunsExceededException", "Concurrent runs exceeded for prep"));
        server.Respond("GetJobRuns", GlueStubs.Json(GlueStubs.JobRunsPage(null,
            GlueStubs.JobRun("jr_other", "RUNNING", DateTimeOffset.UtcNow, "someone-else"))));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token));

        Assert.Equal(GlueErrorCodes.ConcurrentRunsExceeded, error.ErrorCode);
        Assert.False(error.IsPermanent);
        Assert.Single(server.RequestsFor("StartJobRun"));
        Assert.Equal(2, server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task A_500_with_no_marked_run_starts_again_after_looking_twice()
    {
        server.RespondInSequence("StartJobRun",
            GlueStubs.Error("InternalServiceException", "Internal service error", 500),
            GlueStubs.Json("""{"JobRunId": "jr_second"}"""));
        server.Respond("GetJobRuns", GlueStubs.Json("""{"JobRuns": []}"""));

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_second", Adopted: false), start);
        Assert.Equal(2, server.RequestsFor("StartJobRun").Count);
        Assert.Equal(2, server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task Repeated_ambiguous_failures_give_up_after_MaxStartAttempts()
    {
        server.Respond("StartJobRun", Response.Create().WithStatusCode(503).WithBody("Service Unavailable"));
        server.Respond("GetJobRuns", GlueStubs.Json("""{"JobRuns": []}"""));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token));

        Assert.Equal("Http503", error.ErrorCode);
        Assert.Equal(503, error.HttpStatus);
        Assert.Equal(3, server.RequestsFor("StartJobRun").Count);
        Assert.Equal(6, server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task Throttling_on_start_is_retried_by_the_HTTP_layer_without_reconciling()
    {
        server.RespondInSequence("StartJobRun",
            GlueStubs.Error("ThrottlingException", "Rate exceeded"),
            GlueStubs.Json("""{"JobRunId": "jr_after_throttle"}"""));

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_after_throttle", Adopted: false), start);
        Assert.Equal(2, server.RequestsFor("StartJobRun").Count);
        Assert.Empty(server.RequestsFor("GetJobRuns"));
        Assert.Equal([("StartJobRun", "success")], glue.Calls);
    }

    [Theory]
    [InlineData("EntityNotFoundException", "Job prep not found.")]
    [InlineData("InvalidInputException", "Please set only Allocated Capacity or Max Capacity")]
    [InlineData("ResourceNumberLimitExceededException", "Account limit reached")]
    public async Task Definite_start_failures_are_neither_retried_nor_reconciled(string code, string message)
    {
        server.Respond("StartJobRun", GlueStubs.Error(code, message));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token));

        Assert.Equal(code, error.ErrorCode);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Single(server.RequestsFor("StartJobRun"));
        Assert.Empty(server.RequestsFor("GetJobRuns"));
    }
}
