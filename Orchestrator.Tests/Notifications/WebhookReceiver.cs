using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Notifications;

/// <summary>What the receiver answers to the n-th POST of one event id.</summary>
public enum ReceiverAnswer
{
    Ok,
    ServerError,
    Hang,
    Redirect,
}

/// <summary>One POST as the receiver saw it: the exact body bytes and the headers that matter.</summary>
public sealed record ReceivedPost(byte[] Body, string? Signature, string? ContentType, string Path)
{
    public JsonObject Event => JsonNode.Parse(Body)!.AsObject();

    public string EventId => Event["id"]!.GetValue<string>();

    /// <summary>The receiver's own check, as the README tells users to write it: HMAC-SHA256 of the body, hex, compared in constant time.</summary>
    public bool SignedWith(string secret)
    {
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Body)));
        return Signature is not null && CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(Signature));
    }
}

/// <summary>
/// A real HTTP server (Kestrel) on a loopback port that receives webhooks and answers each event id's n-th POST as
/// the script says; <c>/redirected</c> is where its redirects point (it answers 200 and records the hit).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentDictionary<string, int> seen = new();

    WebhookReceiver(WebApplication app, Uri url)
    {
        this.app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedPost> Posts { get; } = new();

    public int RedirectedHits;

    public static async Task<WebhookReceiver> StartAsync(Func<int, ReceiverAnswer> script, TimeSpan? hangFor = null)
    {
        var port = TestHost.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, new Uri($"http://127.0.0.1:{port}/hooks"));
        app.MapPost("/redirected", () =>
        {
            Interlocked.Increment(ref receiver.RedirectedHits);
            return Results.Ok();
        });
        app.MapPost("/hooks", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var post = new ReceivedPost(buffer.ToArray(), http.Request.Headers["X-Orchestrator-Signature"], http.Request.ContentType, http.Request.Path);
            receiver.Posts.Enqueue(post);
            var n = receiver.seen.AddOrUpdate(post.EventId, 1, (_, count) => count + 1);
            switch (script(n))
            {
                case ReceiverAnswer.ServerError:
                    return Results.StatusCode(500);
                case ReceiverAnswer.Redirect:
                    return Results.Redirect("/redirected", permanent: false, preserveMethod: true);
                case ReceiverAnswer.Hang:
                    await Task.Delay(hangFor ?? TimeSpan.FromSeconds(5), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Ok();
                default:
                    return Results.Ok();
            }
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>A URL on a loopback port nobody listens on.</summary>
    public static Uri DeadUrl() => new($"http://127.0.0.1:{TestHost.FreePort()}/hooks");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
