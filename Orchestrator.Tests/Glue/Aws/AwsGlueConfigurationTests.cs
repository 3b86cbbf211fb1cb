using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>Start-up validation of the options, and the lazy, clear handling of missing region and credentials.</summary>
[Collection(AwsEnvironmentCollection.Name)]
public sealed class AwsGlueConfigurationTests : IDisposable
{
    readonly WireMockServer server = WireMockServer.Start();

    public void Dispose() => server.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static OptionsValidationException StartupFailure(AwsGlueHarness glue) =>
        Assert.Throws<OptionsValidationException>(() => glue.Services.GetRequiredService<IStartupValidator>().Validate());

    [Fact]
    public void Startup_validation_lists_every_problem()
    {
        using var glue = AwsGlueHarness.Create("not a url", new Dictionary<string, string?>
        {
            ["Region"] = "Europe",
            ["MaxAttempts"] = "0",
            ["MarkerScanPageSize"] = "500",
            ["RetryBaseDelay"] = "00:01:00",
            ["RetryMaxDelay"] = "00:00:10",
            ["RequestTimeout"] = "00:00:00",
        });

        var failure = StartupFailure(glue);

        Assert.Equal(
        [
            "Orchestrator:Glue:Aws:Region 'Europe' is not an AWS region name such as 'eu-west-1'.",
            "Orchestrator:Glue:Aws:ServiceUrl 'not a url' is not an absolute URL; use e.g. 'http://127.0.0.1:5000' for moto.",
            "Orchestrator:Glue:Aws:MaxAttempts is 0; allowed: 1..20.",
            "Orchestrator:Glue:Aws:MarkerScanPageSize is 500; allowed: 1..200.",
            "Orchestrator:Glue:Aws:RequestTimeout is 00:00:00; it must be greater than zero.",
            "Orchestrator:Glue:Aws:RetryBaseDelay (00:01:00) must not exceed RetryMaxDelay (00:00:10).",
        ], failure.Failures);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5000", "uses the scheme 'ftp'; only http and https are allowed.")]
    [InlineData("localhost:5000", "uses the scheme 'localhost'; only http and https are allowed.")]
    [InlineData("http://127.0.0.1:5000/?x=1", "must not carry a query, fragment or user info")]
    [InlineData("/relative", "is not an absolute URL")]
    public void A_malformed_ServiceUrl_is_rejected_at_startup(string serviceUrl, string expected)
    {
        using var glue = AwsGlueHarness.Create(serviceUrl);

        var failure = StartupFailure(glue);

        var message = Assert.Single(failure.Failures);
        Assert.StartsWith($"Orchestrator:Glue:Aws:ServiceUrl '{serviceUrl}' ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_with_a_region_are_valid()
    {
        using var glue = AwsGlueHarness.Create(null);

        glue.Services.GetRequiredService<IStartupValidator>().Validate();
        var options = glue.Services.GetRequiredService<IOptions<AwsGlueOptions>>().Value;

        Assert.Equal("eu-west-1", options.Region);
    }

    [Fact]
    public async Task Without_credentials_the_backend_builds_and_the_first_call_fails_with_one_clear_error()
    {
        using var environment = new AwsEnvironment();
        using var glue = AwsGlueHarness.Create(server.Url, useDefaultCredentialChain: true);

        // Selecting and building the backend touches neither the credential chain nor the network.
        glue.Services.GetRequiredService<IStartupValidator>().Validate();
        var backend = glue.Services.GetRequiredService<IGlueBackend>();
        Assert.Equal("Aws", backend.Kind);

        var error = await Assert.ThrowsAsync<AwsGlueConfigurationException>(
            () => backend.GetJobAsync("prep", Token));

        Assert.StartsWith(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE, " +
            "or web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)",
            error.Message, StringComparison.Ordinal);
        Assert.Empty(server.LogEntries);
        Assert.Equal([("GetJob", "ConfigurationError")], glue.Calls);
    }

    [Fact]
    public async Task A_missing_named_profile_is_named_in_the_error()
    {
        using var environment = new AwsEnvironment(new Dictionary<string, string?> { ["AWS_PROFILE"] = "orchestrator-nosuch" });
        using var glue = AwsGlueHarness.Create(server.Url, useDefaultCredentialChain: true);

        var error = await Assert.ThrowsAsync<AwsGlueConfigurationException>(
            () => glue.Backend.GetJobAsync("prep", Token));

        Assert.StartsWith("no AWS credentials found", error.Message, StringComparison.Ordinal);
        Assert.Contains("orchestrator-nosuch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_region_the_first_call_fails_with_one_clear_error()
    {
        using var environment = new AwsEnvironment();
        using var glue = AwsGlueHarness.Create(server.Url, new Dictionary<string, string?> { ["Region"] = "" });

        var error = await Assert.ThrowsAsync<AwsGlueConfigurationException>(
            () => glue.Backend.StartCrawlerAsync("raw", Token));

        Assert.Equal(
            "no AWS region: set Orchestrator:Glue:Aws:Region or AWS_REGION (or a region in the AWS profile).",
            error.Message);
        Assert.Empty(server.LogEntries);
    }

    [Fact]
    public async Task The_default_chain_signs_with_environment_credentials_and_region()
    {
        using var environment = new AwsEnvironment(new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDFROMENVIRONMENT",
            ["AWS_SECRET_ACCESS_KEY"] = "environment-secret",
            ["AWS_SESSION_TOKEN"] = "environment-session-token",
            ["AWS_REGION"] = "eu-central-1",
        });
        server.Respond("GetJob", GlueStubs.Json("""{"Job": {"Name": "prep"}}"""));
        using var glue = AwsGlueHarness.Create(server.Url, new Dictionary<string, string?> { ["Region"] = "" },
            useDefaultCredentialChain: true);

        await glue.Backend.GetJobAsync("prep", Token);

        var request = Assert.Single(server.RequestsFor("GetJob"));
        var authorization = GlueStubs.Header(request, "Authorization");
        Assert.Matches("^AWS4-HMAC-SHA256 Credential=AKIDFROMENVIRONMENT/[0-9]{8}/eu-central-1/glue/aws4_request, ", authorization);
        Assert.Contains("x-amz-security-token", authorization, StringComparison.Ordinal);
        Assert.Equal("environment-session-token", GlueStubs.Header(request, "X-Amz-Security-Token"));
    }

    [Fact]
    public async Task Without_ServiceUrl_calls_go_to_the_regional_Glue_endpoint()
    {
        using var glue = AwsGlueHarness.Create(null, new Dictionary<string, string?> { ["Region"] = "cn-north-1" });

        var endpoint = await glue.Services.GetRequiredService<AwsGlueEndpointResolver>().ResolveAsync(Token);

        Assert.Equal(new Uri("https://glue.cn-north-1.amazonaws.com.cn/"), endpoint.ServiceUrl);
        Assert.Equal("cn-north-1", endpoint.Region.SystemName);
    }
}
