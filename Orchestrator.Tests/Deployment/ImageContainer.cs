using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// One container of the built image, as an operator starts it: detached, a unique name, port 8080 published on a
/// free loopback port, a named volume at /data and the variables given. Removed with <c>--force</c> on dispose,
/// however the test ended; the volume belongs to the caller (<see cref="DataVolume"/>).
/// </summary>
public sealed class ImageContainer : IAsyncDisposable
{
    /// <summary>The API key the tests give the container (at least 16 characters, as the host demands).</summary>
    public const string ApiKey = "container-test-key-5f0c2a9d41b7e3a8";

    readonly Podman podman;

    ImageContainer(Podman podman, string name, int port)
    {
        this.podman = podman;
        Name = name;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>A client of the published port that sends <see cref="ApiKey"/>.</summary>
    public HttpClient Client { get; }

    /// <summary>The variables the tests start a container with: the API key, unless a test removes it.</summary>
    public static Dictionary<string, string> Environment(params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["Orchestrator__Api__Keys__0"] = ApiKey };
        foreach (var (name, value) in more)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>A container someone else started (podman-compose), to be checked and removed like one of ours.</summary>
    public static ImageContainer Attach(Podman podman, string name, int port) => new(podman, name, port);

    /// <summary>Starts a container; it is removed on dispose even if starting it failed half-way.</summary>
    public static async Task<ImageContainer> StartAsync(LocalImage image, DataVolume volume, IReadOnlyDictionary<string, string> environment)
    {
        var container = new ImageContainer(image.Podman, $"orchestrator-test-{Guid.NewGuid():N}"[..32], TestHost.FreePort());
        try
        {
            await image.Podman.CheckedAsync(
            [
                "run", "--detach", "--name", container.Name, "--label", $"{Podman.TestLabel}=true",
                "--publish", $"127.0.0.1:{container.Port}:8080", "--volume", $"{volume.Name}:/data",
                .. environment.SelectMany(variable => new[] { "--env", $"{variable.Key}={variable.Value}" }),
                image.Id,
            ]);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the host answers <c>/healthz</c>; fails with its logs if the container stops first.</summary>
    public async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await Client.GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken);
                return;
            }
            catch (HttpRequestException) when (stopwatch.Elapsed < timeout)
            {
                Assert.True(await IsRunningAsync(), $"container {Name} stopped before answering:\n{await LogsAsync()}");
                await Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Everything the container wrote to standard output and error.</summary>
    public async Task<string> LogsAsync()
    {
        var logs = await podman.RunAsync(["logs", Name]);
        Assert.True(logs.ExitCode == 0, $"podman logs {Name} exited {logs.ExitCode}: {logs.Output}");
        return logs.Output;
    }

    public Task<ToolRun> ExecAsync(params string[] command) => podman.RunAsync(["exec", Name, .. command]);

    /// <summary>A value of <c>podman inspect</c> (a Go template over the container's state, e.g. <c>{{.State.ExitCode}}</c>).</summary>
    public Task<string> InspectAsync(string format) => podman.CheckedAsync(["container", "inspect", "--format", format, Name]);

    public async Task<bool> IsRunningAsync() => await InspectAsync("{{.State.Running}}") == "true";

    /// <summary>Waits for the container to stop by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout) =>
        int.Parse(await podman.CheckedAsync(["wait", Name], timeout), CultureInfo.InvariantCulture);

    /// <summary><c>podman stop</c>: SIGTERM, then SIGKILL after <paramref name="grace"/>; returns the exit code and how long stopping took.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> StopAsync(TimeSpan grace)
    {
        var stopwatch = Stopwatch.StartNew();
        await podman.CheckedAsync(["stop", "--time", ((int)grace.TotalSeconds).ToString(CultureInfo.InvariantCulture), Name], grace + TimeSpan.FromMinutes(1));
        var took = stopwatch.Elapsed;
        return (int.Parse(await InspectAsync("{{.State.ExitCode}}"), CultureInfo.InvariantCulture), took);
    }

    /// <summary>SIGKILL, as a crashed node or an OOM kill ends the process: nothing is drained.</summary>
    public async Task KillAsync()
    {
        await podman.CheckedAsync(["kill", "--signal", "KILL", Name]);
        await WaitForExitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>GET of a JSON resource of the API.</summary>
    public async Task<JsonNode> GetJsonAsync(string path) =>
        JsonNode.Parse(await Client.GetStringAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken))!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await podman.RemoveAsync([Name], []);
    }
}
