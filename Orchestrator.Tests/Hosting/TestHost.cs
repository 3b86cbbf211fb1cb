using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// The real service (<c>serve</c>) on a free loopback port, with the shipped appsettings.json adjusted for tests:
/// a temporary data directory, no schedule, quick polling, and a little MyStore sample data in the raw zone.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    readonly TempDirectory directory;
    readonly WebApplication app;

    TestHost(TempDirectory directory, WebApplication app, Uri baseAddress)
    {
        this.directory = directory;
        this.app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    public string DataDirectory => System.IO.Path.Combine(directory.Path, "data");

    public string LakeRoot => System.IO.Path.Combine(DataDirectory, "lake");

    public string ConfigPath => directory.File("appsettings.json");

    /// <summary>
    /// Starts the host; <paramref name="configure"/> edits the <c>Orchestrator</c> section before it starts,
    /// <paramref name="services"/> may replace a service (the Glue backend at the outer edge, say).
    /// </summary>
    public static async Task<TestHost> StartAsync(Action<JsonObject>? configure = null, int sampleRows = 300, Action<IServiceCollection>? services = null)
    {
        var directory = new TempDirectory();
        var configPath = await WriteConfigAsync(directory, configure, sampleRows);
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var errors = new StringWriter();
        var (app, exitCode) = await OrchestratorWebApp.BuildAsync(configPath, baseAddress.ToString().TrimEnd('/'), errors, CancellationToken.None, services);
        if (app is null)
        {
            directory.Dispose();
            throw new InvalidOperationException($"The host did not start (exit {exitCode}): {errors}");
        }

        await app.StartAsync();
        return new TestHost(directory, app, baseAddress);
    }

    /// <summary>
    /// Writes the shipped appsettings.json adjusted for tests into <paramref name="directory"/> (data under
    /// <c>data/</c>, no schedule, quick polling) with <paramref name="sampleRows"/> rows of sample data per entity.
    /// </summary>
    public static async Task<string> WriteConfigAsync(TempDirectory directory, Action<JsonObject>? configure = null, int sampleRows = 300)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryRoot.File("appsettings.json")))!.AsObject();
        var orchestrator = config["Orchestrator"]!.AsObject();
        var data = System.IO.Path.Combine(directory.Path, "data");
        orchestrator["DataDirectory"] = data;
        orchestrator["Glue"]!["Local"]!["SeedSampleData"] = false;
        var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
        pipeline.Remove("Schedule");
        pipeline["RunOnStartup"] = false;
        pipeline["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:00.200", ["MaxDelay"] = "00:00:01" };
        pipeline["Retry"] = new JsonObject { ["MaxAttempts"] = 2, ["FirstDelay"] = "00:00:00.200", ["MaxDelay"] = "00:00:01" };
        config["Serilog"]!["MinimumLevel"]!["Default"] = "Warning";
        // Tests seed runs months old: the host's own retention must not purge them behind the test's back.
        orchestrator["Retention"]!["Days"] = 3650;
        configure?.Invoke(orchestrator);
        var path = directory.File("appsettings.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());

        if (sampleRows > 0)
        {
            await new SampleDataGenerator(System.IO.Path.Combine(data, "lake"), TimeProvider.System)
                .WriteAsync(new SampleDataOptions { Rows = sampleRows, Days = 2 }, CancellationToken.None);
        }

        return path;
    }

    public T Service<T>()
        where T : notnull => app.Services.GetRequiredService<T>();

    /// <summary>
    /// A loopback port nobody listens on. Tests run in parallel: a port is handed out once per test process, so two
    /// tests that each release their probe socket never get the same port.
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    static readonly HashSet<int> HandedOut = [];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        directory.Dispose();
    }
}
