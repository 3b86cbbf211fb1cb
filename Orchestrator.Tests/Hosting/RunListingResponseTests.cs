using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
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
    public void A_page_is_written_once_for_all_its_viewers_and_its_ETag_follows_its_content()
    {
        var services = new ServiceCollection().AddOptions().AddSingleton<RunPageResponses>().BuildServiceProvider();
        var responses = services.GetRequiredService<RunPageResponses>();
        var page = new RunPage([Summary("data-preparation@manual-1")], "next");

        var first = responses.Of(page, new DefaultHttpContext().Response);
        var second = responses.Of(page, new DefaultHttpContext().Response);
        var sameContent = responses.Of(page with { }, new DefaultHttpContext().Response);
        var other = responses.Of(new RunPage([Summary("data-preparation@manual-2")], null), new DefaultHttpContext().Response);

        Assert.True(first.FileContents.Equals(second.FileContents), "the same page's bytes are reused, not written again");
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(page, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions),
            first.FileContents.ToArray());
        Assert.Equal(first.EntityTag, sameContent.EntityTag);
        Assert.NotEqual(first.EntityTag, other.EntityTag);
    }

    static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        return client.SendAsync(request, Token);
    }

    static RunSummary Summary(string runId) => new(runId, "data-preparation", RunKind.Manual, RunStatus.Succeeded,
        new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 12, 5, 0, DateTimeKind.Utc), null, null, [], [], false, null, null);
}
