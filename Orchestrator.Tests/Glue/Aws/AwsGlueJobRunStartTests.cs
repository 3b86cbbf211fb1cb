using Orchestrator.Glue;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>Crash-safe StartJobRun: the marker argument, and adoption of the marked run after ambiguous outcomes.</summary>
public sealed class AwsGlueJobRunStartTests : IDisposable
{
    private const string Marker = "data-preparation@20260101T0000Z/customer/1";

    private static readonly Dictionary<string, string> Arguments = new()
    {
        ["--source_entity_name"] = "customer",
        ["--partition_key"] = "created_date",
    };

    private static readonly Dictionary<string, string?> ShortRequestTimeout = new() { ["RequestTimeout"] = "00:00:00.500" };

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly AwsGlueHarness _glue;

    public AwsGlueJobRunStartTests() =>
        _glue = AwsGlueHarness.Create(_server.Url);

    public void Dispose()
    {
        _glue.Dispose();
        _server.Dispose();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string RunsWithMarker(string id) => GlueStubs.JobRunsPage(null,
        GlueStubs.JobRun("jr_other", "SUCCEEDED", DateTimeOffset.UtcNow.AddMinutes(-1), "someone-else"),
        GlueStubs.JobRun(id, "RUNNING", DateTimeOffset.UtcNow, Marker));

    [Fact]
    public async Task Start_sends_the_arguments_with_the_marker_and_returns_the_run_id()
    {
        _server.Respond("StartJobRun", GlueStubs.Json("""{"JobRunId": "jr_new"}"""));

        var start = await _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_new", Adopted: false), start);
        var request = Assert.Single(_server.RequestsFor("StartJobRun"));
        SignedGlueRequest.AssertValid(request, "StartJobRun");
        var body = GlueStubs.BodyJson(request);
        Assert.Equal("prep", body["JobName"]!.GetValue<string>());
        var sent = body["Arguments"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
        Assert.Equal(
            new Dictionary<string, string>(Arguments) { ["--orchestrator_run_marker"] = Marker }.OrderBy(kv => kv.Key),
            sent.OrderBy(kv => kv.Key));
        Assert.Empty(_server.RequestsFor("GetJobRuns"));
    }

    [Fact]
    public async Task Start_rejects_arguments_not_named_with_two_dashes_before_calling_Glue()
    {
        var bad = new Dictionary<string, string> { ["source_entity_name"] = "customer", ["--ok"] = "1" };

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => _glue.Backend.StartJobRunAsync("prep", bad, Marker, Token));

        Assert.Contains("source_entity_name", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.LogEntries);
    }

    [Theory]
    [InlineData("InternalServiceException", 500)]
    [InlineData("OperationTimeoutException", 400)]
    [InlineData("ServiceUnavailable", 503)]
    public async Task An_ambiguous_start_failure_adopts_the_marked_run_without_a_second_start(string code, int status)
    {
        _server.Respond("StartJobRun", GlueStubs.Error(code, "the start may or may not have happened", status));
        _server.Respond("GetJobRuns", GlueStubs.Json(RunsWithMarker("jr_existing")));

        var start = await _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_existing", Adopted: true), start);
        Assert.Single(_server.RequestsFor("StartJobRun"));
        var scan = Assert.Single(_server.RequestsFor("GetJobRuns"));
        SignedGlueRequest.AssertValid(scan, "GetJobRuns");
        Assert.Equal("""{"JobName":"prep","MaxResults":100}""", GlueStubs.BodyJson(scan).ToJsonString());
    }

    [Fact]
    public async Task A_timed_out_start_adopts_the_marked_run_without_a_second_start()
    {
        var received = 0;
        _server.Respond("StartJobRun", GlueStubs.Json(_ =>
        {
            Interlocked.Increment(ref received);
            Thread.Sleep(TimeSpan.FromSeconds(2)); // longer than RequestTimeout: the client gives up first
            return """{"JobRunId": "jr_late"}""";
        }));
        _server.Respond("GetJobRuns", GlueStubs.Json(RunsWithMarker("jr_late")));
        using var glue = AwsGlueHarness.Create(_server.Url, ShortRequestTimeout);

        var start = await glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_late", Adopted: true), start);
        Assert.Equal(1, Volatile.Read(ref received));
        // WireMock logs a request once its (slow) answer is written.
        await GlueStubs.WaitUntilAsync(() => _server.RequestsFor("StartJobRun").Count > 0, Token);
        Assert.Single(_server.RequestsFor("StartJobRun"));
        Assert.Contains(("StartJobRun", "RequestTimeout"), glue.Calls);
    }

    [Fact]
    public async Task ConcurrentRunsExceeded_adopts_our_own_run()
    {
        _server.Respond("StartJobRun", GlueStubs.Error("ConcurrentRunsExceededException", "Concurrent runs exceeded for prep"));
        _server.Respond("GetJobRuns", GlueStubs.Json(RunsWithMarker("jr_ours")));

        var start = await _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_ours", Adopted: true), start);
        Assert.Single(_server.RequestsFor("StartJobRun"));
    }

    [Fact]
    public async Task ConcurrentRunsExceeded_with_no_marked_run_looks_twice_then_fails_for_the_retry_policy()
    {
        _server.Respond("StartJobRun", GlueStubs.Error("ConcurrentRunsExceededException", "Concurrent runs exceeded for prep"));
        _server.Respond("GetJobRuns", GlueStubs.Json(GlueStubs.JobRunsPage(null,
            GlueStubs.JobRun("jr_other", "RUNNING", DateTimeOffset.UtcNow, "someone-else"))));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token));

        Assert.Equal(GlueErrorCodes.ConcurrentRunsExceeded, error.ErrorCode);
        Assert.False(error.IsPermanent);
        Assert.Single(_server.RequestsFor("StartJobRun"));
        Assert.Equal(2, _server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task A_500_with_no_marked_run_starts_again_after_looking_twice()
    {
        _server.RespondInSequence("StartJobRun",
            GlueStubs.Error("InternalServiceException", "Internal service error", 500),
            GlueStubs.Json("""{"JobRunId": "jr_second"}"""));
        _server.Respond("GetJobRuns", GlueStubs.Json("""{"JobRuns": []}"""));

        var start = await _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_second", Adopted: false), start);
        Assert.Equal(2, _server.RequestsFor("StartJobRun").Count);
        Assert.Equal(2, _server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task Repeated_ambiguous_failures_give_up_after_MaxStartAttempts()
    {
        _server.Respond("StartJobRun", Response.Create().WithStatusCode(503).WithBody("Service Unavailable"));
        _server.Respond("GetJobRuns", GlueStubs.Json("""{"JobRuns": []}"""));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token));

        Assert.Equal("Http503", error.ErrorCode);
        Assert.Equal(503, error.HttpStatus);
        Assert.Equal(3, _server.RequestsFor("StartJobRun").Count);
        Assert.Equal(6, _server.RequestsFor("GetJobRuns").Count);
    }

    [Fact]
    public async Task Throttling_on_start_is_retried_by_the_HTTP_layer_without_reconciling()
    {
        _server.RespondInSequence("StartJobRun",
            GlueStubs.Error("ThrottlingException", "Rate exceeded"),
            GlueStubs.Json("""{"JobRunId": "jr_after_throttle"}"""));

        var start = await _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token);

        Assert.Equal(new JobRunStart("jr_after_throttle", Adopted: false), start);
        Assert.Equal(2, _server.RequestsFor("StartJobRun").Count);
        Assert.Empty(_server.RequestsFor("GetJobRuns"));
        Assert.Equal([("StartJobRun", "success")], _glue.Calls);
    }

    [Theory]
    [InlineData("EntityNotFoundException", "Job prep not found.")]
    [InlineData("InvalidInputException", "Please set only Allocated Capacity or Max Capacity")]
    [InlineData("ResourceNumberLimitExceededException", "Account limit reached")]
    public async Task Definite_start_failures_are_neither_retried_nor_reconciled(string code, string message)
    {
        _server.Respond("StartJobRun", GlueStubs.Error(code, message));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => _glue.Backend.StartJobRunAsync("prep", Arguments, Marker, Token));

        Assert.Equal(code, error.ErrorCode);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Single(_server.RequestsFor("StartJobRun"));
        Assert.Empty(_server.RequestsFor("GetJobRuns"));
    }
}
