using System.Diagnostics;
using System.Text;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// A real <c>moto_server</c> on a free loopback port, started once for the moto tests and killed at the end.
/// When moto_server is not on PATH the tests skip with <see cref="SkipReason"/>.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    readonly StringBuilder output = new();
    readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    Process? process;

    public string? SkipReason { get; private set; }

    public string Url { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var executable = CommandLineTool.Find("moto_server")?.ExecutablePath;
        if (executable is null)
        {
            SkipReason = "moto_server is not on PATH (it comes with the machine image's Python moto 5.2.1); " +
                "the moto integration tests need it and are skipped.";
            return;
        }

        var port = Hosting.TestHost.FreePort();
        Url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilReadyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        http.Dispose();
    }

    /// <summary>Sets how moto moves a model's state (<c>glue::job_run</c>, <c>glue::crawl</c>).</summary>
    public async Task SetTransitionAsync(string model, string transitionJson)
    {
        using var content = new StringContent($$"""{"model_name": "{{model}}", "transition": {{transitionJson}}}""");
        using var response = await http.PostAsync(new Uri($"{Url}/moto-api/state-manager/set-transition"), content);
        response.EnsureSuccessStatusCode();
    }

    async Task WaitUntilReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartupTimeout)
        {
            if (process!.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with {process.ExitCode}: {Output()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"{Url}/moto-api/"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"moto_server did not answer on {Url} within {StartupTimeout}: {Output()}");
    }

    void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
