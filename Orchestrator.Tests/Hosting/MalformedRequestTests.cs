using System.Net;
using System.Text;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// Every refusal explains itself: a table of malformed requests — bodies that do not bind, wrong content types,
/// bodies over the limit, bad query values, unknown routes and methods, cross-site changes, foreign hosts — each
/// answered with its status as application/problem+json with a detail naming the field or header and what is allowed.
/// </summary>
public sealed class MalformedRequestTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    const string Trigger = "/api/pipelines/data-preparation/runs";
    const string Pause = "/api/pipelines/data-preparation/schedule/pause";
    const string Resume = "/api/pipelines/data-preparation/schedule/resume";
    const string Terminate = "/api/runs/data-preparation@nope/terminate";
    const string Json = "application/json";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static readonly string TriggerTakes = "It takes a JSON object {\"entities\": [string, …], \"reason\": string}, every field optional.";
    static readonly string ActionTakes = "It takes a JSON object {\"reason\": string, \"force\": true|false}, every field optional.";

    static readonly MalformedRequest[] Cases =
    [
        // Bodies that do not bind: the detail names the JSON path and what the endpoint takes.
        Post("unclosed-array", Trigger, "{\"entities\": [", 400, "at $.entities[0] (line 1, position 15)"),
        Post("unclosed-object", Trigger, "{", 400, "(line 1, position 2)"),
        Post("lone-brace", Trigger, "}", 400, "'}' is an invalid start of a value. " + TriggerTakes),
        Post("bad-literal", Trigger, "nul", 400, "(line 1, position"),
        Post("top-level-array", Trigger, "[1]", 400, "a value of the wrong type. " + TriggerTakes),
        Post("top-level-string", Trigger, "\"sales\"", 400, TriggerTakes),
        Post("top-level-number", Trigger, "42", 400, TriggerTakes),
        Post("entities-string", Trigger, "{\"entities\": \"sales\"}", 400, "at $.entities (line 1, position "),
        Post("entities-number", Trigger, "{\"entities\": [1]}", 400, "at $.entities[0]"),
        Post("entities-object", Trigger, "{\"entities\": {\"sales\": true}}", 400, "at $.entities"),
        Post("entity-null", Trigger, "{\"entities\": [null]}", 400, "An entity name is empty or null; name entities of pipeline 'data-preparation': customer, customer_address, sales."),
        Post("entity-unknown", Trigger, "{\"entities\": [\"sales\", \"refunds\"]}", 400, "Unknown entities for pipeline 'data-preparation': refunds"),
        Post("reason-number", Trigger, "{\"reason\": 5}", 400, "at $.reason"),
        Post("reason-object", Trigger, "{\"reason\": {\"why\": 1}}", 400, "at $.reason"),
        Post("lone-surrogate", Trigger, "{\"reason\": \"\\ud800\"}", 400, "at $.reason"),
        Post("trailing-comma", Trigger, "{\"entities\": [\"sales\"],}", 400, "(line 1, position"),
        Post("trailing-text", Trigger, "{} and more", 400, "(line 1, position 4)"),
        Post("single-quotes", Trigger, "{'reason': 'x'}", 400, "(line 1, position 2)"),
        Post("comment", Trigger, "{\"reason\": \"x\" /* why */}", 400, "(line 1, position"),
        Post("nan-literal", Trigger, "{\"reason\": NaN}", 400, "at $.reason"),
        Post("deep-array", Trigger, "{\"reason\": " + new string('[', 5000) + new string(']', 5000) + "}", 400, "at $.reason"),
        Post("deep-unknown-field", Trigger, "{\"x\": " + new string('[', 5000) + new string(']', 5000) + "}", 400, "The maximum configured depth of 64 has been exceeded"),
        Bytes("invalid-utf8", Trigger, [.. "{\"reason\": \""u8, 0xFF, 0xFE, .. "\"}"u8], 400, "at $.reason"),
        Post("force-yes", Terminate, "{\"force\": \"yes\"}", 400, "at $.force (line 1, position "),
        Post("force-words", Terminate, "{\"force\": \"at once\"}", 400, "Cannot get the value of a token type 'String' as a boolean. " + ActionTakes),
        Post("force-number", Terminate, "{\"force\": 1}", 400, "at $.force"),
        Post("force-null", Terminate, "{\"force\": null}", 400, "at $.force"),
        Post("terminate-reason-array", Terminate, "{\"reason\": []}", 400, "at $.reason"),
        Post("terminate-surrogate", Terminate, "{\"reason\": \"\\udfff\"}", 400, "at $.reason"),
        Post("replay-reason-number", "/api/runs/data-preparation@nope/replay", "{\"reason\": 1}", 400, "at $.reason"),
        Post("redrive-unclosed", "/api/runs/data-preparation@nope/redrive", "[", 400, "(line 1, position 2)"),
        Post("pause-reason-boolean", Pause, "{\"reason\": false}", 400, "at $.reason"),
        Post("resume-unclosed", Resume, "{", 400, "(line 1, position 2)"),

        // Changes say they are JSON, body or not.
        Post("text-plain", Trigger, "{}", 415, "POST /api/pipelines/data-preparation/runs takes Content-Type: application/json (an empty body is fine); this request has 'text/plain", "text/plain"),
        Post("form", Trigger, "reason=x", 415, "this request has 'application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        Post("multipart", Trigger, "--b\r\n\r\nx\r\n--b--", 415, "this request has 'multipart/form-data", "multipart/form-data; boundary=b"),
        Post("xml", Trigger, "<run/>", 415, "this request has 'application/xml", "application/xml"),
        Post("no-type-no-body", Pause, null, 415, "POST /api/pipelines/data-preparation/schedule/pause takes Content-Type: application/json (an empty body is fine); this request has none.", contentType: null),
        Post("no-type-with-body", Terminate, "{}", 415, "this request has none.", contentType: null),
        Post("garbled-type", Terminate, "{}", 415, "this request has ';;;'", ";;;"),

        // Bodies over Orchestrator:Api:MaxRequestBodyBytes.
        Post("too-large", Trigger, "{\"reason\": \"" + new string('x', 70_000) + "\"}", 413, "The request body is larger than the 65536 bytes allowed (Orchestrator:Api:MaxRequestBodyBytes)."),
        Chunked("too-large-chunked", Trigger, "{\"reason\": \"" + new string('x', 70_000) + "\"}", 413, "larger than the 65536 bytes allowed"),

        // Query values.
        Get("limit-words", "/api/runs?limit=abc", 400, "limit 'abc' is not allowed; use a whole number from 1 to 500 (default 50)."),
        Get("limit-fraction", "/api/runs?limit=1.5", 400, "limit '1.5' is not allowed"),
        Get("limit-huge", "/api/runs?limit=99999999999", 400, "limit '99999999999' is not allowed"),
        Get("limit-zero", "/api/runs?limit=0", 400, "limit '0' is not allowed"),
        Get("limit-over", "/api/runs?limit=501", 400, "limit '501' is not allowed"),
        Get("limit-negative", "/api/runs?limit=-1", 400, "limit '-1' is not allowed"),
        Get("limit-twice", "/api/runs?limit=1&limit=2", 400, "The query parameter 'limit' is given 2 times; give it once."),
        Get("status-list", "/api/runs?status=Running,Succeeded", 400, "status 'Running,Succeeded' names several statuses; give exactly one of Pending, Running, Succeeded, Failed, Terminated."),
        Get("status-unknown", "/api/runs?status=Done", 400, "status 'Done' is not a run status; use one of Pending, Running, Succeeded, Failed, Terminated."),
        Get("status-number", "/api/runs?status=3", 400, "status '3' is not a run status"),
        Get("status-twice", "/api/runs?status=Running&status=Failed", 400, "The query parameter 'status' is given 2 times"),
        Get("since-words", "/api/runs?since=yesterday", 400, "since 'yesterday' is not a time; use ISO 8601"),
        Get("until-words", "/api/runs?until=later", 400, "until 'later' is not a time"),
        Get("cursor-garbage", "/api/runs?cursor=garbage", 400, "The cursor is not one this API returned; start again without it."),
        Get("cursor-percent", "/api/runs?cursor=%25%25", 400, "The cursor is not one this API returned"),
        Get("pipeline-unknown", "/api/runs?pipeline=nightly", 404, "There is no pipeline 'nightly'"),

        // Routes and methods.
        Get("no-endpoint", "/api/nope", 404, "Nothing is at /api/nope: the API's endpoints are listed in /openapi/v1.json"),
        Get("no-file", "/nope.html", 404, "Nothing is at /nope.html"),
        Get("unknown-run", "/api/runs/data-preparation@nope", 404, "There is no run 'data-preparation@nope'"),
        Get("unknown-run-history", "/api/runs/data-preparation@nope/history", 404, "There is no run"),
        Post("trigger-unknown-pipeline", "/api/pipelines/nightly/runs", "{}", 404, "There is no pipeline 'nightly'"),
        Post("replay-unknown-run", "/api/runs/data-preparation@nope/replay", "{}", 404, "There is no run"),
        Post("pause-unknown-pipeline", "/api/pipelines/nightly/schedule/pause", "{}", 404, "There is no pipeline 'nightly'"),
        Send("delete-runs", HttpMethod.Delete, "/api/runs", 405, "/api/runs does not take DELETE; it takes GET."),
        Send("put-trigger", HttpMethod.Put, Trigger, 405, "does not take PUT; it takes POST."),
        Post("post-runs", "/api/runs", "{}", 405, "/api/runs does not take POST; it takes GET."),
        Get("get-trigger", Trigger, 405, "does not take GET; it takes POST."),
        Send("options-preflight", HttpMethod.Options, Terminate, 405, "does not take OPTIONS; it takes POST.", ("Origin", "http://evil.example"), ("Access-Control-Request-Method", "POST")),
        Send("patch-terminate", HttpMethod.Patch, Terminate, 405, "does not take PATCH"),
        Send("trace", HttpMethod.Trace, "/api/runs", 405, "does not take TRACE"),

        // Changes a browser says come from another origin, and hosts the service does not answer to.
        Post("cross-site", Pause, "{}", 403, "was sent by a page from another origin (Sec-Fetch-Site: cross-site)", headers: [("Sec-Fetch-Site", "cross-site")]),
        Post("same-site-other-port", Pause, "{}", 403, "(Sec-Fetch-Site: same-site)", headers: [("Sec-Fetch-Site", "same-site")]),
        Post("foreign-origin", Terminate, "{}", 403, "(Origin: http://evil.example)", headers: [("Origin", "http://evil.example")]),
        Post("opaque-origin", Trigger, "{}", 403, "(Origin: null)", headers: [("Origin", "null")]),
        Get("foreign-host", "/api/pipelines", 400, "The Host header 'evil.example' is not a name this service answers to (allowed: localhost, 127.0.0.1, [::1]).", ("Host", "evil.example")),
        Post("rebound-host", Pause, "{}", 400, "The Host header 'attacker.127.0.0.1.nip.io", headers: [("Host", "attacker.127.0.0.1.nip.io")]),
    ];

    public static TheoryData<string> Names => [.. Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_malformed_request_gets_its_status_and_a_problem_that_says_what_was_wrong(string name)
    {
        var malformed = Cases.Single(c => c.Name == name);

        using var response = await shared.Host.Client.SendAsync(malformed.Request(), Token);

        await ApiContractTests.AssertProblemAsync(response, (HttpStatusCode)malformed.Status, malformed.Detail);
    }

    [Fact]
    public void The_table_covers_at_least_sixty_requests()
    {
        Assert.True(Cases.Length >= 60, $"{Cases.Length} cases");
        Assert.Equal(Cases.Length, Cases.Select(c => c.Name).Distinct().Count());
    }

    static MalformedRequest Post(string name, string path, string? body, int status, string detail, string? contentType = Json, (string, string)[]? headers = null) =>
        new(name, status, detail, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                if (contentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
            }

            return With(request, headers ?? []);
        });

    static MalformedRequest Bytes(string name, string path, byte[] body, int status, string detail) =>
        new(name, status, detail, () => new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) { Headers = { ContentType = new(Json) } } });

    static MalformedRequest Chunked(string name, string path, string body, int status, string detail) =>
        new(name, status, detail, () =>
        {
            // A stream of unknown length goes out chunked: the limit applies while reading, not from Content-Length.
            var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(body)));
            content.Headers.ContentType = new(Json);
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content, Headers = { TransferEncodingChunked = true } };
        });

    static MalformedRequest Get(string name, string path, int status, string detail, params (string, string)[] headers) =>
        Send(name, HttpMethod.Get, path, status, detail, headers);

    static MalformedRequest Send(string name, HttpMethod method, string path, int status, string detail, params (string, string)[] headers) =>
        new(name, status, detail, () => With(new HttpRequestMessage(method, path), headers));

    static HttpRequestMessage With(HttpRequestMessage request, (string Name, string Value)[] headers)
    {
        foreach (var (header, value) in headers)
        {
            if (header == "Host")
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }
        }

        return request;
    }

    /// <summary>One malformed request: its status, what its detail must say, and how to make it (a fresh message each time).</summary>
    sealed record MalformedRequest(string Name, int Status, string Detail, Func<HttpRequestMessage> Request);

    /// <summary>A memory stream that does not tell its length, so HttpClient sends it chunked.</summary>
    sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
