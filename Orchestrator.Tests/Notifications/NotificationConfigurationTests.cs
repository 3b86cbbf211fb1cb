using System.Text.Json.Nodes;
using Orchestrator.Host.Cli;

namespace Orchestrator.Tests.Notifications;

/// <summary>Broken webhook subscriptions stop start-up (exit 2) with every problem named, as all configuration does.</summary>
public sealed class NotificationConfigurationTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_broken_webhook_setting_is_listed_with_what_is_allowed()
    {
        var path = await WriteAsync(new JsonObject
        {
            ["Webhooks"] = new JsonArray(
                Hook("http://hooks.example.com/in", ["run.failed"], "0123456789abcdef0123"),
                Hook("https://hooks.example.com/in", ["run.failed", "run.exploded"], "0123456789abcdef0123"),
                Hook("https://hooks.example.com/in", ["run.failed"], null),
                Hook("ftp://hooks.example.com/in", [], "short"),
                PipelinesOf(Hook("https://hooks.example.com/eu", ["run.failed"], "0123456789abcdef0123", name: "eu"), "data-preparation", "sales-eu")),
            ["Delivery"] = new JsonObject { ["MaxAttempts"] = 0 },
        });

        var (exitCode, output) = await ConfigCheckAsync(path);

        Assert.True(exitCode == 2, $"exit {exitCode}:\n{output}");
        Assert.Contains("The configuration has 8 problems:", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:4:Pipelines: 'sales-eu' is not a configured pipeline; use data-preparation, or leave Pipelines empty for all.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:0:Url: 'http://hooks.example.com/in' is http to hooks.example.com, which is not this machine", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:1:Events: 'run.exploded' is not an event; use run.started, run.succeeded, run.failed, run.terminated, run.past_deadline, step.failed, partitions.changed, entity.visibility_late, budget.exceeded, or * for all.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:2:Secret: empty; every webhook is signed", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:3:Url: 'ftp://hooks.example.com/in' is not an absolute http(s) URL", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:3:Events: empty; list the events to send", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Webhooks:3:Secret: 5 characters is too short; use at least 16.", output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Notifications:Delivery:MaxAttempts: 0 is not allowed; use 1 to 100.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_to_loopback_and_https_anywhere_are_accepted_and_a_misspelt_key_is_refused()
    {
        var good = await WriteAsync(new JsonObject
        {
            ["Webhooks"] = new JsonArray(
                Hook("http://127.0.0.1:9000/in", ["*"], "0123456789abcdef0123"),
                Hook("http://localhost/in", ["run.failed"], "0123456789abcdef0123", name: "local"),
                Hook("https://hooks.example.com/in", ["step.failed"], "0123456789abcdef0123", name: "remote")),
        });
        var typo = await WriteAsync(new JsonObject { ["Webhook"] = new JsonArray() });

        Assert.Equal(0, (await ConfigCheckAsync(good)).ExitCode);
        var (exitCode, output) = await ConfigCheckAsync(typo);
        Assert.Equal(2, exitCode);
        Assert.Contains("Orchestrator:Notifications:Webhook: 'Webhook' is not a setting; did you mean Webhooks?", output, StringComparison.Ordinal);
    }

    static JsonObject PipelinesOf(JsonObject hook, params string[] pipelines)
    {
        hook["Pipelines"] = new JsonArray([.. pipelines.Select(p => JsonValue.Create(p))]);
        return hook;
    }

    static JsonObject Hook(string url, string[] events, string? secret, string? name = null)
    {
        var hook = new JsonObject { ["Url"] = url, ["Events"] = new JsonArray([.. events.Select(e => JsonValue.Create(e))]) };
        if (secret is not null)
        {
            hook["Secret"] = secret;
        }

        if (name is not null)
        {
            hook["Name"] = name;
        }

        return hook;
    }

    static async Task<(int ExitCode, string Output)> ConfigCheckAsync(string path)
    {
        using var output = new StringWriter();
        var exitCode = await CommandLine.InvokeAsync(["config", "check", "--config", path], output, output);
        return (exitCode, output.ToString());
    }

    async Task<string> WriteAsync(JsonObject notifications)
    {
        var root = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryRoot.File("appsettings.json"), Token))!.AsObject();
        root["Orchestrator"]!["DataDirectory"] = System.IO.Path.Combine(directory.Path, "data");
        root["Orchestrator"]!["Notifications"] = notifications;
        var path = directory.File($"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, root.ToJsonString(), Token);
        return path;
    }

    public void Dispose() => directory.Dispose();
}
