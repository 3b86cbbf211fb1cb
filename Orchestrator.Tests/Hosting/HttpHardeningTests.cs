using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// What every response carries and what every request must be: security headers on the dashboard, its files and
/// the API; Host names the service answers to; changes only from its own origin or from clients that are not
/// browsers; HEAD wherever GET works; and the limits Kestrel enforces before the service sees a request.
/// </summary>
public sealed class HttpHardeningTests(SharedTestHost shared) : IClassFixture<SharedTestHost>
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    HttpClient Client => shared.Host.Client;

    [Theory]
    [InlineData("/")]
    [InlineData("/runs/data-preparation@manual-01JDEXAMPLE")]
    [InlineData("/js/main.js")]
    [InlineData("/js/api.js")]
    [InlineData("/app.css")]
    [InlineData("/api/pipelines")]
    [InlineData("/api/runs?limit=5")]
    [InlineData("/api/runs/data-preparation@nope")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/readyz")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var response = await Client.GetAsync(path, Token);

        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.False(response.Headers.Contains("Server"), "the Server header names the software");
    }

    [Fact]
    public async Task A_refusal_carries_the_security_headers_too()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/pipelines") { Headers = { Host = "evil.example" } };
        using var response = await Client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task The_loopback_names_are_answered_by_default(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/pipelines") { Headers = { Host = $"{host}:{shared.Host.BaseAddress.Port}" } };
        using var response = await Client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowedHosts_names_the_hosts_the_service_answers_to()
    {
        await using var host = await TestHost.StartAsync(orchestrator => orchestrator.Parent!["AllowedHosts"] = "orchestrator.example.com;*.internal.example.com", sampleRows: 0);

        Assert.Equal(HttpStatusCode.OK, await StatusForHostAsync(host, "orchestrator.example.com"));
        Assert.Equal(HttpStatusCode.OK, await StatusForHostAsync(host, "ops.internal.example.com"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/pipelines") { Headers = { Host = "127.0.0.1" } };
        await ApiContractTests.AssertProblemAsync(await host.Client.SendAsync(request, Token), HttpStatusCode.BadRequest,
            "The Host header '127.0.0.1' is not a name this service answers to (allowed: orchestrator.example.com, *.internal.example.com).");
    }

    [Fact]
    public async Task A_change_from_the_dashboards_own_origin_or_from_a_client_that_is_not_a_browser_is_accepted()
    {
        var origin = shared.Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, "/api/pipelines/data-preparation/schedule/resume")
        {
            Content = JsonContent.Create(new { reason = "same origin" }),
            Headers = { { "Sec-Fetch-Site", "same-origin" }, { "Origin", origin } },
        };
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(sameOrigin, Token)).StatusCode);

        // An older browser that sends only Origin, matching the Host it talks to.
        using var originOnly = new HttpRequestMessage(HttpMethod.Post, "/api/pipelines/data-preparation/schedule/resume")
        {
            Content = ApiContractTests.EmptyJson(),
            Headers = { { "Origin", origin } },
        };
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(originOnly, Token)).StatusCode);

        // curl and scripts send neither.
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/api/pipelines/data-preparation/schedule/resume", ApiContractTests.EmptyJson(), Token)).StatusCode);
    }

    [Theory]
    [InlineData("/api/pipelines")]
    [InlineData("/api/runs")]
    [InlineData("/api/runs?status=Failed&limit=3")]
    [InlineData("/api/runs/data-preparation@nope")]
    [InlineData("/api/runs/data-preparation@nope/history")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/")]
    [InlineData("/js/main.js")]
    [InlineData("/runs/data-preparation@nope")]
    [InlineData("/api/nope")]
    public async Task HEAD_answers_wherever_GET_does_with_the_same_status_and_type_and_no_body(string path)
    {
        using var get = await Client.GetAsync(path, Token);
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Token);

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Token));
    }

    [Fact]
    public async Task The_OpenAPI_document_says_the_status_filter_takes_exactly_one_value()
    {
        var document = await Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Token);

        var status = document.GetProperty("paths").GetProperty("/api/runs").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "status");
        Assert.Contains("exactly one of Pending, Running, Succeeded, Failed, Terminated", status.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Kestrel answers a request line or headers over its limits itself, before any middleware runs: no problem
    /// details and no security headers can be added there (docs/operations.md says so). It closes the connection.
    /// </summary>
    [Fact]
    public async Task Kestrel_refuses_an_overlong_request_line_or_headers_itself_without_a_body()
    {
        using var uriTooLong = await Client.GetAsync($"/api/runs?pipeline={new string('a', 9000)}", Token);
        using var headersTooLarge = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/runs") { Headers = { { "X-Padding", new string('a', 40_000) } } }, Token);

        Assert.Equal(HttpStatusCode.RequestUriTooLong, uriTooLong.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, headersTooLarge.StatusCode);
        foreach (var response in new[] { uriTooLong, headersTooLarge })
        {
            Assert.True(response.Headers.ConnectionClose);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(Token));
        }
    }

    static async Task<HttpStatusCode> StatusForHostAsync(TestHost host, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/pipelines") { Headers = { Host = name } };
        using var response = await host.Client.SendAsync(request, Token);
        return response.StatusCode;
    }

    static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri} has no {name} header");
}
