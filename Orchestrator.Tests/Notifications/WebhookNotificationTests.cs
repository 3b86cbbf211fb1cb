using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Runs;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;

namespace Orchestrator.Tests.Notifications;

/// <summary>
/// Webhook notifications end to end: the real host runs a pipeline on the local engine and posts its events to a real
/// loopback HTTP server, which checks each signature with its own HMAC and dedupes by event id.
/// </summary>
public sealed class WebhookNotificationTests
{
    const string Secret = "s3cret-for-tests-only-0123456789";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flaky_endpoint_gets_every_event_once_after_dedupe_signed_after_a_500_and_a_timeout()
    {
        // Each event: first POST 500, second hangs past the 1 s timeout, third 200.
        await using var receiver = await WebhookReceiver.StartAsync(n => n switch { 1 => ReceiverAnswer.ServerError, 2 => ReceiverAnswer.Hang, _ => ReceiverAnswer.Ok }, TimeSpan.FromSeconds(3));
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            Subscribe(orchestrator, receiver.Url, ["*"], maxAttempts: 5, timeout: "00:00:01");
            // A 2 s job and a 1 s deadline: the run passes its deadline while it runs, and still succeeds.
            PipelineRunTests.AddEntity(orchestrator, "slow", source: "sales", new JsonObject { ["--rehearse_delay_seconds"] = "2" });
            orchestrator["Pipelines"]!["data-preparation"]!["RunDeadline"] = "00:00:01";
        });
        var runId = await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token);

        var view = await SettledAsync(host, runId, expected: 7);
        var run = await host.Service<RunQueries>().GetAsync(runId, Token);

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var byId = receiver.Posts.GroupBy(p => p.EventId).ToDictionary(g => g.Key, g => g.ToList());
        var events = byId.Values.Select(posts => posts[0].Event).ToList();
        Assert.Equal(
            ["dev.orchestrator.partitions.changed", "dev.orchestrator.partitions.changed", "dev.orchestrator.partitions.changed", "dev.orchestrator.partitions.changed",
             "dev.orchestrator.run.past_deadline", "dev.orchestrator.run.started", "dev.orchestrator.run.succeeded"],
            events.Select(e => e["type"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(receiver.Posts, post =>
        {
            Assert.True(post.SignedWith(Secret), $"signature {post.Signature} does not match the body of {post.EventId}");
            Assert.False(post.SignedWith("another-secret-0123456789abcdef"));
            Assert.StartsWith("application/cloudevents+json", post.ContentType, StringComparison.Ordinal);
        });
        Assert.All(byId.Values, posts =>
        {
            // At least once: the timed-out POST reached the receiver too. Every copy is the same bytes, so dedupe by id is safe.
            Assert.Equal(3, posts.Count);
            Assert.All(posts, p => Assert.Equal(posts[0].Body, p.Body));
        });
        foreach (var e in events)
        {
            Assert.Equal("1.0", e["specversion"]!.GetValue<string>());
            Assert.Equal("/pipelines/data-preparation", e["source"]!.GetValue<string>());
            Assert.Equal("application/json", e["datacontenttype"]!.GetValue<string>());
            Assert.StartsWith(runId, e["subject"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(runId, e["data"]!["runId"]!.GetValue<string>());
            Assert.True(DateTimeOffset.Parse(e["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= run.Summary.CreatedAt.AddSeconds(-1));
        }

        foreach (var step in run.Steps.Where(s => s.Kind == StepKind.EntityJob))
        {
            var changed = Assert.Single(events, e => e["type"]!.GetValue<string>().EndsWith("partitions.changed", StringComparison.Ordinal) && e["data"]!["entity"]!.GetValue<string>() == step.Name);
            Assert.Equal($"{runId}/{step.Id}", changed["subject"]!.GetValue<string>());
            Assert.Equal(step.PartitionsTouched, changed["data"]!["partitions"]!.AsArray().Select(p => p!.GetValue<string>()));
        }

        // The run's API shows each delivery with its three attempts: 500, no answer, 200.
        Assert.All(view, delivery =>
        {
            Assert.Equal("Delivered", delivery.GetProperty("state").GetString());
            Assert.Equal(receiver.Url.ToString(), delivery.GetProperty("url").GetString());
            Assert.Equal(200, delivery.GetProperty("lastStatusCode").GetInt32());
            var attempts = delivery.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(3, attempts.Count);
            Assert.Equal(500, attempts[0].GetProperty("statusCode").GetInt32());
            Assert.False(attempts[1].TryGetProperty("statusCode", out _));
            Assert.Contains("no answer within 1 s", attempts[1].GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.True(attempts[1].GetProperty("durationMs").GetDouble() >= 900);
            Assert.DoesNotContain(Secret, delivery.GetRawText(), StringComparison.Ordinal);
        });
        Assert.Equal(byId.Keys.Order(StringComparer.Ordinal), view.Select(d => d.GetProperty("eventId").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_hanging_endpoint_never_holds_up_the_run()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => ReceiverAnswer.Hang, TimeSpan.FromSeconds(60));
        await using var host = await TestHost.StartAsync(orchestrator =>
        {
            Subscribe(orchestrator, receiver.Url, ["run.started"], maxAttempts: 2, timeout: "00:01:00");
            orchestrator["Worker"] = new JsonObject { ["ShutdownGracePeriod"] = "00:00:01" };
        });
        var runId = await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(["customer"]), Token);

        var run = await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(), runId, TimeSpan.FromSeconds(50));
        var deliveries = await DeliveriesAsync(host, runId);

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        // The run ended while its first POST was still waiting for an answer.
        var started = Assert.Single(deliveries);
        Assert.Equal("Pending", started.GetProperty("state").GetString());
        Assert.Empty(started.GetProperty("attempts").EnumerateArray());
        Assert.Single(receiver.Posts);
    }

    [Fact]
    public async Task A_dead_endpoint_lets_the_run_succeed_and_each_delivery_gives_up_with_every_attempt_recorded()
    {
        var dead = WebhookReceiver.DeadUrl();
        await using var host = await TestHost.StartAsync(orchestrator => Subscribe(orchestrator, dead, ["run.started", "run.succeeded", "run.failed"], maxAttempts: 3, timeout: "00:00:02"));
        var runId = await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(["customer"]), Token);

        var deliveries = await SettledAsync(host, runId, expected: 2);
        var run = await host.Service<RunQueries>().GetAsync(runId, Token);

        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        Assert.Equal(["run.started", "run.succeeded"], deliveries.Select(d => d.GetProperty("eventType").GetString()).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d =>
        {
            Assert.Equal("GivenUp", d.GetProperty("state").GetString());
            var attempts = d.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("number").GetInt32()));
            Assert.All(attempts, a =>
            {
                Assert.False(a.TryGetProperty("statusCode", out _));
                Assert.Contains("Connection", a.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
            });
            // Attempts are spaced by the back-off (FirstDelay 0.2 s, jittered between half and all of it).
            var times = attempts.Select(a => a.GetProperty("startedAt").GetDateTime()).ToList();
            Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(100), $"{times[0]:O} then {times[1]:O}");
        });
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_counts_as_a_failed_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => ReceiverAnswer.Redirect);
        await using var host = await TestHost.StartAsync(orchestrator => Subscribe(orchestrator, receiver.Url, ["run.started"], maxAttempts: 2, timeout: "00:00:02"));
        var runId = await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(["customer"]), Token);

        var delivery = Assert.Single(await SettledAsync(host, runId, expected: 1));

        Assert.Equal("GivenUp", delivery.GetProperty("state").GetString());
        var attempts = delivery.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Equal(307, a.GetProperty("statusCode").GetInt32());
            Assert.Contains("not followed", a.GetProperty("error").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(2, receiver.Posts.Count);
        Assert.Equal(0, receiver.RedirectedHits);
    }

    internal static void Subscribe(JsonObject orchestrator, Uri url, string[] events, int maxAttempts, string timeout, string secret = Secret) =>
        orchestrator["Notifications"] = new JsonObject
        {
            ["Webhooks"] = new JsonArray(new JsonObject
            {
                ["Name"] = "receiver",
                ["Url"] = url.ToString(),
                ["Events"] = new JsonArray([.. events.Select(e => JsonValue.Create(e))]),
                ["Secret"] = secret,
            }),
            ["Delivery"] = new JsonObject { ["MaxAttempts"] = maxAttempts, ["FirstDelay"] = "00:00:00.200", ["MaxDelay"] = "00:00:00.400", ["Timeout"] = timeout },
        };

    static async Task<List<JsonElement>> DeliveriesAsync(TestHost host, string runId)
    {
        var run = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
        return [.. run.GetProperty("notifications").EnumerateArray()];
    }

    /// <summary>Waits until the run has finished and <paramref name="expected"/> deliveries have each been delivered or given up.</summary>
    internal static async Task<List<JsonElement>> SettledAsync(TestHost host, string runId, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
        while (true)
        {
            var run = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
            var deliveries = run.GetProperty("notifications").EnumerateArray().ToList();
            var finished = run.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Terminated";
            if (finished && deliveries.Count == expected && deliveries.All(d => d.GetProperty("state").GetString() is "Delivered" or "GivenUp"))
            {
                return deliveries;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{runId}: {run.GetProperty("status")}, deliveries {string.Join(", ", deliveries.Select(d => $"{d.GetProperty("eventType")}={d.GetProperty("state")}"))}");
            await Task.Delay(200, Token);
        }
    }
}
