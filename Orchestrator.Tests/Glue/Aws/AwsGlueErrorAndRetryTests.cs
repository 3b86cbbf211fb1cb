using System.Net;
using System.Net.Sockets;
using Orchestrator.Glue;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// The error rows of docs/glue-api-notes.md ("Error codes and retries") on an idempotent call (GetJobRun): error
/// parsing, what is retried with back-off (each attempt signed afresh), and what fails at once.
/// </summary>
public sealed class AwsGlueErrorAndRetryTests : IDisposable
{
    const string RunJson = """{"JobRun": {"Id": "jr_1", "JobName": "prep", "JobRunState": "RUNNING", "StartedOn": 1795528965}}""";

    readonly WireMockServer server = WireMockServer.Start();
    readonly AwsGlueHarness glue;

    public AwsGlueErrorAndRetryTests() =>
        glue = AwsGlueHarness.Create(server.Url);

    public void Dispose()
    {
        glue.Dispose();
        server.Dispose();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    Task<GlueJobRun> GetRun() => glue.Backend.GetJobRunAsync("prep", "jr_1", Token);

    [Theory]
    [InlineData("EntityNotFoundException", 400, true)]
    [InlineData("InvalidInputException", 400, true)]
    [InlineData("AccessDeniedException", 400, true)]
    [InlineData("InvalidSignatureException", 403, false)]
    [InlineData("UnrecognizedClientException", 403, false)]
    [InlineData("ExpiredTokenException", 400, false)]
    [InlineData("ConcurrentRunsExceededException", 400, false)]
    [InlineData("ResourceNumberLimitExceededException", 400, false)]
    public async Task Permanent_errors_are_not_retried(string code, int status, bool permanent)
    {
        server.Respond("GetJobRun", GlueStubs.Error(code, $"{code} says no", status));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(status, error.HttpStatus);
        Assert.Equal(permanent, error.IsPermanent);
        Assert.Contains($"{code} says no", error.Message, StringComparison.Ordinal);
        Assert.Single(server.RequestsFor("GetJobRun"));
        Assert.Equal([("GetJobRun", code)], glue.Calls);
    }

    [Theory]
    [InlineData("""{"__type": "com.amazonaws.glue#EntityNotFoundException", "message": "Job run jr_1 not found"}""")]
    [InlineData("""{"__type": "EntityNotFoundException:http://internal.amazon.com/coral/com.amazon.glue/", "Message": "Job run jr_1 not found"}""")]
    [InlineData("""{"__type": "aws.protocoltests#EntityNotFoundException:extra", "Message": "Job run jr_1 not found"}""")]
    public async Task Error_codes_are_normalised_and_both_message_spellings_read(string body)
    {
        server.Respond("GetJobRun", GlueStubs.Json(body, 400));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal(GlueErrorCodes.EntityNotFound, error.ErrorCode);
        Assert.Contains("Job run jr_1 not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_X_Amzn_ErrorType_header_is_the_fallback_code()
    {
        server.Respond("GetJobRun", Response.Create().WithStatusCode(400)
            .WithHeader("X-Amzn-ErrorType", "EntityNotFoundException:http://internal.amazon.com/coral/com.amazon.glue/")
            .WithBody("<html><body>Not found</body></html>"));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal(GlueErrorCodes.EntityNotFound, error.ErrorCode);
        Assert.Single(server.RequestsFor("GetJobRun"));
    }

    [Fact]
    public async Task Throttling_then_success_is_retried_and_each_attempt_is_signed_afresh()
    {
        server.RespondInSequence("GetJobRun",
            GlueStubs.Error("ThrottlingException", "Rate exceeded"),
            GlueStubs.Error("ThrottlingException", "Rate exceeded"),
            GlueStubs.Json(RunJson));

        var run = await GetRun();

        Assert.Equal("jr_1", run.Id);
        var attempts = server.RequestsFor("GetJobRun");
        Assert.Equal(3, attempts.Count);
        foreach (var attempt in attempts)
        {
            SignedGlueRequest.AssertValid(attempt, "GetJobRun");
        }

        Assert.Equal([("GetJobRun", "success")], glue.Calls);
    }

    [Fact]
    public async Task MaxAttempts_1_sends_each_call_once()
    {
        using var once = AwsGlueHarness.Create(server.Url, new Dictionary<string, string?> { ["MaxAttempts"] = "1" });
        server.RespondInSequence("GetJobRun", GlueStubs.Error("ThrottlingException", "Rate exceeded"), GlueStubs.Json(RunJson));

        var error = await Assert.ThrowsAsync<GlueException>(() => once.Backend.GetJobRunAsync("j1", "jr_1", TestContext.Current.CancellationToken));

        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Single(server.RequestsFor("GetJobRun"));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(429)]
    public async Task Http_5xx_and_429_then_success_are_retried(int status)
    {
        server.RespondInSequence("GetJobRun",
            Response.Create().WithStatusCode(status).WithBody("<html>busy</html>"),
            GlueStubs.Json(RunJson));

        var run = await GetRun();

        Assert.Equal("jr_1", run.Id);
        Assert.Equal(2, server.RequestsFor("GetJobRun").Count);
    }

    [Theory]
    [InlineData("InternalServiceException", 500)]
    [InlineData("OperationTimeoutException", 400)]
    [InlineData("RequestTimeoutException", 400)]
    public async Task Transient_Glue_codes_then_success_are_retried(string code, int status)
    {
        server.RespondInSequence("GetJobRun", GlueStubs.Error(code, "try again", status), GlueStubs.Json(RunJson));

        var run = await GetRun();

        Assert.Equal("jr_1", run.Id);
        Assert.Equal(2, server.RequestsFor("GetJobRun").Count);
    }

    [Fact]
    public async Task Throttling_that_never_ends_fails_after_MaxAttempts_with_Glues_code()
    {
        server.Respond("GetJobRun", GlueStubs.Error("ThrottlingException", "Rate exceeded"));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Equal(3, server.RequestsFor("GetJobRun").Count);
    }

    [Fact]
    public async Task An_HTML_error_page_is_one_clear_error_after_the_retries()
    {
        server.Respond("GetJobRun", Response.Create().WithStatusCode(502).WithHeader("Content-Type", "text/html")
            .WithBody("<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>"));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal("Http502", error.ErrorCode);
        Assert.Equal(502, error.HttpStatus);
        Assert.Equal(
            "Glue GetJobRun failed with HTTP 502 and no Glue error in the response: " +
            "<html> <head><title>502 Bad Gateway</title></head> <body>nginx</body> </html>",
            error.Message);
        Assert.Equal(3, server.RequestsFor("GetJobRun").Count);
    }

    [Fact]
    public async Task An_empty_error_body_is_one_clear_error()
    {
        server.Respond("GetJobRun", Response.Create().WithStatusCode(400));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal("Http400", error.ErrorCode);
        Assert.EndsWith("(empty body)", error.Message, StringComparison.Ordinal);
        Assert.Single(server.RequestsFor("GetJobRun"));
    }

    [Theory]
    [InlineData("{\"JobRun\": {\"Id\": ")]
    [InlineData("<html>ok</html>")]
    [InlineData("")]
    public async Task A_200_that_is_not_JSON_is_one_clear_error_and_not_retried(string body)
    {
        server.Respond("GetJobRun", GlueStubs.Json(body));

        var error = await Assert.ThrowsAsync<GlueException>(GetRun);

        Assert.Equal("InvalidResponse", error.ErrorCode);
        Assert.Equal(200, error.HttpStatus);
        Assert.StartsWith("Glue GetJobRun returned HTTP 200 with a body that is not the expected JSON", error.Message, StringComparison.Ordinal);
        Assert.Single(server.RequestsFor("GetJobRun"));
    }

    [Fact]
    public async Task A_slow_answer_times_out_per_attempt_and_is_retried()
    {
        var received = 0;
        server.Respond("GetJobRun", GlueStubs.Json(_ =>
        {
            if (Interlocked.Increment(ref received) == 1)
            {
                Thread.Sleep(TimeSpan.FromSeconds(2)); // longer than RequestTimeout
            }

            return RunJson;
        }));
        using var glue = AwsGlueHarness.Create(server.Url, new Dictionary<string, string?> { ["RequestTimeout"] = "00:00:00.500" });

        var run = await glue.Backend.GetJobRunAsync("prep", "jr_1", Token);

        Assert.Equal("jr_1", run.Id);
        Assert.Equal(2, Volatile.Read(ref received));
        Assert.Equal([("GetJobRun", "success")], glue.Calls);
    }

    [Fact]
    public async Task Connection_resets_are_retried_then_reported_as_ConnectionFailure()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = 0;
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync(Token);
                    Interlocked.Increment(ref accepted);
                    socket.LingerState = new LingerOption(true, 0); // close with RST
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // the listener was stopped at the end of the test
            }
        }, Token);
        using var glue = AwsGlueHarness.Create($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.GetJobRunAsync("prep", "jr_1", Token));

        Assert.Equal("ConnectionFailure", error.ErrorCode);
        Assert.Null(error.HttpStatus);
        Assert.Equal(3, Volatile.Read(ref accepted));
        Assert.Equal([("GetJobRun", "ConnectionFailure")], glue.Calls);
    }

    [Fact]
    public async Task A_cancelled_call_is_cancelled_not_retried()
    {
        server.Respond("GetJobRun", GlueStubs.Json(RunJson).WithDelay(TimeSpan.FromSeconds(2)));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => glue.Backend.GetJobRunAsync("prep", "jr_1", cancel.Token));

        Assert.Equal([("GetJobRun", "cancelled")], glue.Calls);
    }
}
