using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Hosting;

/// <summary>API keys: required for changes when configured, for reads too with ProtectReads; probes stay open.</summary>
public sealed class ApiKeyTests
{
    const string Key = "k3y-for-tests-0123456789";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static Action<JsonObject> Keys(bool protectReads) => orchestrator =>
        orchestrator["Api"] = new JsonObject { ["Keys"] = new JsonArray(Key), ["ProtectReads"] = protectReads };

    [Fact]
    public async Task Changes_need_a_valid_key_and_reads_stay_open_by_default()
    {
        await using var host = await TestHost.StartAsync(Keys(protectReads: false), sampleRows: 0);

        var none = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/schedule/pause", new { }, Token);
        await ApiContractTests.AssertProblemAsync(none, HttpStatusCode.Unauthorized, "needs an API key in the X-Api-Key header");
        var wrong = await Send(host, HttpMethod.Post, "/api/pipelines/data-preparation/schedule/pause", "not-the-key");
        await ApiContractTests.AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "is not valid");
        var right = await Send(host, HttpMethod.Post, "/api/pipelines/data-preparation/schedule/pause", Key);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/api/runs", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/api/pipelines", Token)).StatusCode);
    }

    [Fact]
    public async Task ProtectReads_requires_the_key_for_reads_but_not_for_probes()
    {
        await using var host = await TestHost.StartAsync(Keys(protectReads: true), sampleRows: 0);

        await ApiContractTests.AssertProblemAsync(await host.Client.GetAsync("/api/runs", Token), HttpStatusCode.Unauthorized, "needs an API key");
        Assert.Equal(HttpStatusCode.OK, (await Send(host, HttpMethod.Get, "/api/runs", Key)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/metrics", Token)).StatusCode);
    }

    [Fact]
    public async Task With_keys_the_host_may_listen_on_every_interface()
    {
        using var directory = new TempDirectory();
        var config = await TestHost.WriteConfigAsync(directory, Keys(protectReads: false), sampleRows: 0);

        var (app, exitCode) = await OrchestratorWebApp.BuildAsync(config, $"http://0.0.0.0:{TestHost.FreePort()}", TextWriter.Null, Token);

        Assert.Equal(0, exitCode);
        Assert.NotNull(app);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task A_request_body_over_the_limit_is_refused()
    {
        await using var host = await TestHost.StartAsync(orchestrator => orchestrator["Api"]!["MaxRequestBodyBytes"] = 2048, sampleRows: 0);

        var huge = new StringContent($"{{\"reason\": \"{new string('x', 10_000)}\"}}", Encoding.UTF8, "application/json");
        var response = await host.Client.PostAsync("/api/pipelines/data-preparation/runs", huge, Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    static Task<HttpResponseMessage> Send(TestHost host, HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { });
        }

        return host.Client.SendAsync(request, Token);
    }
}
