using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Api;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// <c>GET /api/runs</c> answers with an ETag: a client that sends it back gets 304 while the listing is unchanged,
/// and the listing's JSON is written once per page, not once per viewer; a change made through the API is still seen
/// on the next read.
/// </summary>
public sealed class RunListingResponseTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unchanged_listing_is_not_modified_and_a_change_through_the_api_is_seen_at_once()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "sales" } }, Token);
        var runId = (await ApiPolling.UntilFinishedAsync(client, accepted.Headers.Location!.ToString())).GetProperty("runId").GetString()!;

        var first = await client.GetAsync("/api/runs", Token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.True(first.Headers.CacheControl?.NoCache, "a browser must ask again each time, so a change is seen on the next read");
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);
        var listed = await first.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal([runId], listed.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));

        var again = await GetAsync(client, "/api/runs", etag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync(Token));
        Assert.Equal(etag, again.Headers.ETag);
        var otherTag = await GetAsync(client, "/api/runs", new EntityTagHeaderValue("\"something-else\""));
        Assert.Equal(HttpStatusCode.OK, otherTag.StatusCode);

        // A replay is a change made through the API: the page reused for this second is dropped with its bytes.
        var replay = await client.PostAsJsonAsync($"/api/runs/{runId}/replay", new { }, Token);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var afterReplay = await GetAsync(client, "/api/runs", etag);
        Assert.Equal(HttpStatusCode.OK, afterReplay.StatusCode);
        Assert.NotEqual(etag, afterReplay.Headers.ETag);
        var relisted = await afterReplay.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal([(await replay.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("runId").GetString(), runId],
            relisted.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));

        // Once nothing changes, a listing read afresh from the store (past the reuse window) keeps its ETag.
        await ApiPolling.UntilFinishedAsync(client, replay.Headers.Location!.ToString());
        // A run that finishes is no command: the page reused for this second may still show the replay running.
        await Task.Delay(RunListingCache.Reuse + TimeSpan.FromMilliseconds(200), Token);
        var settled = (await client.GetAsync("/api/runs", Token)).Headers.ETag!;
        await Task.Delay(RunListingCache.Reuse + TimeSpan.FromMilliseconds(200), Token);
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(client, "/api/runs", settled)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/runs?status=Failed", settled)).StatusCode);
    }

    [Fact]
    public async Task A_page_is_the_whole_serialization_byte_for_byte_and_its_ETag_follows_its_content()
    {
        var (responses, options) = Responses();
        var page = new RunPage([Summary("data-preparation@manual-1"), Summary("data-preparation@manual-2", message: "a \"quoted\" <message>")], "next+/=");

        var first = await ExecuteAsync(responses.Of(page));
        var second = await ExecuteAsync(responses.Of(page));
        var sameContent = await ExecuteAsync(responses.Of(page with { Runs = [.. page.Runs] }));
        var empty = new RunPage([], null);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(page, options), first.Body);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(empty, options), (await ExecuteAsync(responses.Of(empty))).Body);
        Assert.Equal(first.Body.Length, first.Response.ContentLength);
        Assert.Equal("application/json; charset=utf-8", first.Response.ContentType);
        Assert.Equal("no-cache", first.Response.Headers.CacheControl);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal(first.ETag, sameContent.ETag);
    }

    [Fact]
    public async Task The_ETag_changes_when_a_run_changes_or_the_cursor_does()
    {
        var (responses, _) = Responses();
        var page = new RunPage([Summary("data-preparation@manual-1"), Summary("data-preparation@manual-2")], "next");
        var tag = (await ExecuteAsync(responses.Of(page))).ETag;

        // The same runs with a cursor of its own (a shared page with a future `until`): other bytes, another ETag.
        Assert.NotEqual(tag, (await ExecuteAsync(responses.Of(page with { NextCursor = "other" }))).ETag);
        Assert.NotEqual(tag, (await ExecuteAsync(responses.Of(page with { NextCursor = null }))).ETag);
        // One run read again with another outcome: the page's other runs are the same objects, the ETag still changes.
        var changed = page with { Runs = [page.Runs[0], page.Runs[1] with { Status = RunStatus.Failed }] };
        Assert.NotEqual(tag, (await ExecuteAsync(responses.Of(changed))).ETag);
        Assert.NotEqual(tag, (await ExecuteAsync(responses.Of(page with { Runs = [page.Runs[1], page.Runs[0]] }))).ETag);
    }

    [Fact]
    public async Task Conditional_requests_are_answered_as_for_a_file()
    {
        var (responses, _) = Responses();
        var result = responses.Of(new RunPage([Summary("data-preparation@manual-1")], null));
        var tag = result.EntityTag;

        var notModified = await ExecuteAsync(result, request => request.Headers.IfNoneMatch = $"\"other\", {tag}");
        Assert.Equal(StatusCodes.Status304NotModified, notModified.Response.StatusCode);
        Assert.Empty(notModified.Body);
        Assert.Equal(tag, notModified.ETag);
        Assert.Equal(StatusCodes.Status304NotModified, (await ExecuteAsync(result, request => request.Headers.IfNoneMatch = $"W/{tag}")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status304NotModified, (await ExecuteAsync(result, request => request.Headers.IfNoneMatch = "*")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, (await ExecuteAsync(result, request => request.Headers.IfNoneMatch = "\"other\"")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status412PreconditionFailed, (await ExecuteAsync(result, request => request.Headers.IfMatch = "\"other\"")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, (await ExecuteAsync(result, request => request.Headers.IfMatch = tag)).Response.StatusCode);
    }

    static (RunPageResponses Responses, JsonSerializerOptions Options) Responses()
    {
        var services = new ServiceCollection().AddOptions().AddSingleton<RunPageResponses>()
            .Configure<JsonOptions>(json =>
            {
                // As the host configures them (OrchestratorWebApp).
                json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
                json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            })
            .BuildServiceProvider();
        return (services.GetRequiredService<RunPageResponses>(), services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
    }

    static async Task<(byte[] Body, HttpResponse Response, string? ETag)> ExecuteAsync(IResult result, Action<HttpRequest>? request = null)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        request?.Invoke(context.Request);
        await result.ExecuteAsync(context);
        return (body.ToArray(), context.Response, context.Response.Headers.ETag);
    }

    static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        return client.SendAsync(request, Token);
    }

    static RunSummary Summary(string runId, string? message = null) => new(runId, "data-preparation", RunKind.Manual, RunStatus.Succeeded,
        new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 12, 5, 0, DateTimeKind.Utc), null, null, [], [], false, message, null);
}
