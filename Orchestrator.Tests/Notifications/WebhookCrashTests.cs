using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Notifications;

/// <summary>The service killed with SIGKILL while a delivery waits to try again: the delivery goes on after the restart.</summary>
public sealed class WebhookCrashTests : IDisposable
{
    const string Secret = "crash-test-secret-0123456789abcdef";

    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_killed_mid_delivery_delivers_after_its_restart()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => n == 1 ? ReceiverAnswer.ServerError : ReceiverAnswer.Ok);
        // The first POST gets a 500; the next waits 3 to 6 s on a durable timer, which is when the host dies.
        var config = await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            WebhookNotificationTests.Subscribe(orchestrator, receiver.Url, ["run.started"], maxAttempts: 5, timeout: "00:00:05", secret: Secret);
            orchestrator["Notifications"]!["Delivery"]!["FirstDelay"] = "00:00:06";
            orchestrator["Notifications"]!["Delivery"]!["MaxDelay"] = "00:00:06";
        });
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url) };

        string location;
        using (var first = HostProcess.Start(["serve", "--config", config, "--urls", url]))
        {
            await first.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
            var accepted = await client.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { entities = new[] { "customer" } }, Token);
            location = accepted.Headers.Location!.ToString();
            await UntilAsync(client, location, d => d.GetProperty("state").GetString() == "Retrying");
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var postsBeforeRestart = receiver.Posts.Count;
        using var second = HostProcess.Start(["serve", "--config", config, "--urls", url]);
        await second.WaitForOutputAsync("Now listening", TimeSpan.FromSeconds(60));
        var delivery = await UntilAsync(client, location, d => d.GetProperty("state").GetString() is "Delivered" or "GivenUp");
        var run = await ApiPolling.UntilFinishedAsync(client, location, TimeSpan.FromMinutes(2));

        Assert.Equal(1, postsBeforeRestart);
        Assert.Equal("Succeeded", run.GetProperty("status").GetString());
        Assert.Equal("Delivered", delivery.GetProperty("state").GetString());
        var attempts = delivery.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()).ToList();
        Assert.Equal([500, 200], attempts);
        // Deduped by id, the receiver got the event once, signed by the secret it knows.
        var post = Assert.Single(receiver.Posts.GroupBy(p => p.EventId)).Last();
        Assert.True(post.SignedWith(Secret));
        Assert.Equal("dev.orchestrator.run.started", post.Event["type"]!.GetValue<string>());
    }

    /// <summary>Polls the run until its single delivery matches <paramref name="done"/>; returns that delivery.</summary>
    static async Task<JsonElement> UntilAsync(HttpClient client, string location, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                var run = await client.GetFromJsonAsync<JsonElement>(location, Token);
                if (run.GetProperty("notifications").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } delivery && done(delivery))
                {
                    return delivery;
                }
            }
            catch (HttpRequestException)
            {
                // The host is still starting.
            }

            Assert.True(DateTime.UtcNow < deadline, "the delivery did not reach the expected state in time");
            await Task.Delay(100, Token);
        }
    }

    public void Dispose() => directory.Dispose();
}
