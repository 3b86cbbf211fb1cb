using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>WireMock stubs of Glue's documented JSON 1.1 responses, and readers of what the backend sent.</summary>
static class GlueStubs
{
    public const string JsonContentType = "application/x-amz-json-1.1";

    public static IRequestBuilder GlueRequest(string operation) =>
        Request.Create().WithPath("/").UsingPost().WithHeader("X-Amz-Target", "AWSGlue." + operation);

    public static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", JsonContentType)
            .WithHeader("x-amzn-RequestId", "req-" + Guid.NewGuid().ToString("N")).WithBody(body);

    /// <summary>A 200 whose body is computed per request (to count calls or answer slowly).</summary>
    public static IResponseBuilder Json(Func<IRequestMessage, string> body) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", JsonContentType).WithBody(body);

    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>A Glue error the way the service writes it: <c>{"__type": ..., "message": ...}</c>.</summary>
    public static IResponseBuilder Error(string code, string message, int status = 400) =>
        Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }), status);

    public static void Respond(this WireMockServer server, string operation, IResponseBuilder response) =>
        server.Given(GlueRequest(operation)).RespondWith(response);

    /// <summary>Answers successive calls of <paramref name="operation"/> in order; the last answer repeats.</summary>
    public static void RespondInSequence(this WireMockServer server, string operation, params IResponseBuilder[] responses)
    {
        if (responses.Length == 1)
        {
            server.Respond(operation, responses[0]);
            return;
        }

        var scenario = operation + "-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < responses.Length; i++)
        {
            var mapping = server.Given(GlueRequest(operation)).InScenario(scenario);
            mapping = i == 0 ? mapping : mapping.WhenStateIs($"step{i}");
            // The last mapping keeps its state, or the next call would match the first mapping again.
            mapping.WillSetStateTo($"step{Math.Min(i + 1, responses.Length - 1)}").RespondWith(responses[i]);
        }
    }

    public static IReadOnlyList<IRequestMessage> RequestsFor(this WireMockServer server, string operation) =>
        [.. server.LogEntries.Select(e => e.RequestMessage)
            .Where(r => Header(r, "X-Amz-Target") == "AWSGlue." + operation)];

    public static IReadOnlyList<ILogEntry> Entries(this WireMockServer server) => [.. server.LogEntries];

    public static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            .Value?.FirstOrDefault();

    public static JsonObject BodyJson(IRequestMessage request) =>
        JsonNode.Parse(request.Body ?? throw new InvalidOperationException("request has no body"))!.AsObject();

    /// <summary>A job run as Glue returns it; timestamps are epoch seconds.</summary>
    public static JsonObject JobRun(string id, string state, DateTimeOffset startedOn, string? marker = null) =>
        new()
        {
            ["Id"] = id,
            ["Attempt"] = 0,
            ["JobName"] = "j1",
            ["JobRunState"] = state,
            ["StartedOn"] = startedOn.ToUnixTimeMilliseconds() / 1000.0,
            ["Arguments"] = marker is null
                ? new JsonObject { ["--source_entity_name"] = "customer" }
                : new JsonObject { ["--source_entity_name"] = "customer", ["--orchestrator_run_marker"] = marker },
        };

    public static string JobRunsPage(string? nextToken, params JsonObject[] runs)
    {
        var page = new JsonObject { ["JobRuns"] = new JsonArray([.. runs]) };
        if (nextToken is not null)
        {
            page["NextToken"] = nextToken;
        }

        return page.ToJsonString();
    }
}
