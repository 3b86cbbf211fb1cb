using System.Diagnostics;
using System.Text;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// A real <c>moto_server</c> on a free loopback port, started once for the moto tests and killed at the end.
/// When moto_server is not on PATH the tests skip with <see cref="SkipReason"/>.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process? _process;

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
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _http.Dispose();
    }

    /// <summary>Sets how moto moves a model's state (<c>glue::job_run</c>, <c>glue::crawl</c>).</summary>
    public async Task SetTransitionAsync(string model, string transitionJson)
    {
        using var content = new StringContent($$"""{"model_name": "{{model}}", "transition": {{transitionJson}}}""");
        using var response = await _http.PostAsync(new Uri($"{Url}/moto-api/state-manager/set-transition"), content);
        response.EnsureSuccessStatusCode();
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartupTimeout)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with {_process.ExitCode}: {Output()}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri($"{Url}/moto-api/"));
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

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}
