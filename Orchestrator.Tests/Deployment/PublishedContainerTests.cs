using System.Net;
using Orchestrator.Host.Hosting;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The host published as the Dockerfile publishes it, started as the container starts it: the image's entrypoint
/// and command, the image's variables plus the Compose file's for the orchestrator service. What cannot exist
/// here is swapped for something local: SQL Server for SQLite in a temporary data directory, port 8080 for a free
/// port, AWS for a closed local port with dummy credentials (nothing leaves the machine).
/// </summary>
public sealed class PublishedContainerTests(PublishedHost published) : IClassFixture<PublishedHost>
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A metric operations.md tells operators to watch.</summary>
    const string ActiveRunsGauge = "orchestrator_runs_active";

    [Fact]
    public async Task With_a_key_the_container_answers_health_readiness_and_its_own_healthcheck_then_stops_cleanly_on_sigterm()
    {
        published.Require();
        var kill = CommandLineTool.Find("kill") ?? throw SkipBecause("kill is not on PATH, so the host could not be sent SIGTERM.");
        var bash = CommandLineTool.Find("bash") ?? throw SkipBecause("bash is not on PATH, so the image's HEALTHCHECK command could not be run.");
        using var data = new TempDirectory();
        var port = TestHost.FreePort();
        var environment = ContainerEnvironment(data.Path, port);
        Assert.True(environment.ContainsKey("Orchestrator__Api__Keys__0"), "the Compose file gives the orchestrator an API key");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

        await using var host = Start(environment);

        Assert.Equal(200, await host.WaitForAnswerAsync(client, new Uri("/healthz", UriKind.Relative), StartTimeout));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        var series = ActiveRunsGauge + "{pipeline=\"data-preparation\"}";
        Assert.Contains(series, await ScrapeUntilAsync(client, series), StringComparison.Ordinal);
        Assert.Contains(ActiveRunsGauge, await File.ReadAllTextAsync(RepositoryRoot.File("docs/operations.md"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var healthcheck = PublishedHost.Dockerfile.Final.All("HEALTHCHECK").Single().ExecForm();
        var probe = await bash.RunAsync(healthcheck.Skip(1).Select(a => a.Replace("/8080", $"/{port}", StringComparison.Ordinal)), data.Path);
        Assert.True(probe.ExitCode == 0, $"the image's HEALTHCHECK failed against a healthy host: {probe.Output}");
        var closed = await bash.RunAsync(healthcheck.Skip(1).Select(a => a.Replace("/8080", $"/{TestHost.FreePort()}", StringComparison.Ordinal)), data.Path);
        Assert.NotEqual(0, closed.ExitCode);

        using var anonymous = await client.PostAsync(new Uri("/api/pipelines/data-preparation/runs", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var (exitCode, took) = await host.TerminateAsync(ComposeFileTests.ShippedShutdownGracePeriod() + ComposeFileTests.HostStopMargin + TimeSpan.FromSeconds(10));
        Assert.True(exitCode == 0, $"SIGTERM ended the host with {exitCode} after {took}:\n{host.Output}");
        Assert.Contains("Durable worker drained", host.Output, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"published in {published.PublishTime.TotalSeconds:F0} s; stopped {took.TotalSeconds:F1} s after SIGTERM");
    }

    [Fact]
    public async Task Without_a_key_the_container_refuses_to_listen_on_every_interface()
    {
        published.Require();
        using var data = new TempDirectory();
        var port = TestHost.FreePort();
        var environment = ContainerEnvironment(data.Path, port);
        environment.Remove("Orchestrator__Api__Keys__0");

        await using var host = Start(environment);
        var exitCode = await host.WaitForExitAsync(StartTimeout);

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{host.Output}");
        Assert.Contains($"Refusing to listen on http://+:{port} without API keys", host.Output, StringComparison.Ordinal);
        Assert.Contains("Orchestrator__Api__Keys__0", host.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data.Path, "orchestrator.db")), "the host opened its store although it refused to start");
    }

    [Fact]
    public async Task The_compose_settings_pass_config_check_unchanged()
    {
        published.Require();
        using var data = new TempDirectory();
        var environment = new Dictionary<string, string>(PublishedHost.Dockerfile.Final.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in ComposeFileTests.Compose.Environment("orchestrator", ComposeFileTests.ExampleVariables))
        {
            environment[name] = value;
        }

        await using var host = Start(environment, ["config", "check"]);

        Assert.True(await host.WaitForExitAsync(StartTimeout) == 0, host.Output);
        Assert.Contains("configuration OK", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_kubernetes_config_map_and_secret_example_pass_config_check()
    {
        published.Require();
        using var mounted = new TempDirectory();
        var configFile = mounted.File("appsettings.json");
        await File.WriteAllTextAsync(configFile, KubernetesManifestTests.ConfigFile(), TestContext.Current.CancellationToken);
        var secret = KubernetesManifestTests.Single("Secret")["stringData"]!;
        var environment = new Dictionary<string, string>(PublishedHost.Dockerfile.Final.Environment, StringComparer.Ordinal);
        foreach (var variable in KubernetesManifestTests.Env(KubernetesManifestTests.Single("Deployment")))
        {
            environment[variable["name"]!.GetValue<string>()] = variable["value"]?.GetValue<string>()
                ?? secret[variable["valueFrom"]!["secretKeyRef"]!["key"]!.GetValue<string>()]!.GetValue<string>();
        }

        environment[HostConfiguration.FileVariable] = configFile;

        await using var host = Start(environment, ["config", "check"]);

        Assert.True(await host.WaitForExitAsync(StartTimeout) == 0, host.Output);
        Assert.Contains("configuration OK", host.Output, StringComparison.Ordinal);
    }

    /// <summary>/metrics until it shows <paramref name="metric"/> (the scheduler reports it within its first evaluation), or the last scrape.</summary>
    static async Task<string> ScrapeUntilAsync(HttpClient client, string metric)
    {
        var metrics = string.Empty;
        for (var attempt = 0; attempt < 40 && !metrics.Contains(metric, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(attempt == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
        }

        return metrics;
    }

    HostProcess Start(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? command = null)
    {
        var image = PublishedHost.Dockerfile.Final;
        var entrypoint = image.ExecForm("ENTRYPOINT")!;
        return HostProcess.Start([.. entrypoint.Skip(1), .. command ?? image.ExecForm("CMD")!], environment,
            executable: published.Local(entrypoint[0]), workingDirectory: published.Local(image.All("WORKDIR").Last().Arguments + "/"), isolateEnvironment: true);
    }

    /// <summary>The image's variables and the Compose service's, with the swaps described on the class.</summary>
    static Dictionary<string, string> ContainerEnvironment(string dataDirectory, int port)
    {
        var environment = new Dictionary<string, string>(PublishedHost.Dockerfile.Final.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in ComposeFileTests.Compose.Environment("orchestrator", ComposeFileTests.ExampleVariables))
        {
            environment[name] = value;
        }

        Assert.Equal("SqlServer", environment["Orchestrator__Store__Provider"]);
        environment["Orchestrator__Store__Provider"] = "Sqlite";
        environment.Remove("Orchestrator__Store__SqlServer__ConnectionString");
        environment["Orchestrator__DataDirectory"] = dataDirectory;
        environment["ASPNETCORE_URLS"] = environment["ASPNETCORE_URLS"].Replace(":8080", $":{port}", StringComparison.Ordinal);
        environment["Orchestrator__Glue__Aws__ServiceUrl"] = $"http://127.0.0.1:{TestHost.FreePort()}";
        environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        environment["AWS_SECRET_ACCESS_KEY"] = "not-a-secret";
        environment["AWS_EC2_METADATA_DISABLED"] = "true";
        return environment;
    }

    static Exception SkipBecause(string reason)
    {
        Assert.Skip(reason);
        return new InvalidOperationException("unreachable: Assert.Skip throws");
    }
}
