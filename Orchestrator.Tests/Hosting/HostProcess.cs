using System.Diagnostics;
using System.Text;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// The real <c>orchestrator</c> binary in its own process, as a user or a container runs it; standard output and
/// error captured together; killed on dispose if still running.
/// </summary>
public sealed class HostProcess : IDisposable, IAsyncDisposable
{
    readonly Process process;
    readonly StringBuilder output = new();

    HostProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the binary (the build's own, or <paramref name="executable"/>, e.g. a published one). With
    /// <paramref name="isolateEnvironment"/> inherited Orchestrator, ASPNETCORE and AWS variables are removed first,
    /// so only <paramref name="environment"/> counts, as in a container.
    /// </summary>
    public static HostProcess Start(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? executable = null,
        string? workingDirectory = null,
        bool isolateEnvironment = false)
    {
        var start = new ProcessStartInfo(executable ?? Path.Combine(AppContext.BaseDirectory, "orchestrator"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (isolateEnvironment)
        {
            string[] prefixes = ["Orchestrator", "ASPNETCORE_", "AWS_", "DOTNET_ENVIRONMENT"];
            foreach (var inherited in start.Environment.Keys.Where(name => prefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
            {
                start.Environment.Remove(inherited);
            }
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new HostProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}"));
    }

    /// <summary>Runs the binary to completion; returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var host = Start(arguments, environment);
        var exitCode = await host.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(2));
        return (exitCode, host.Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"orchestrator did not exit within {timeout}; output:\n{Output}");
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear; output:\n{Output}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The status of GET <paramref name="address"/> once the process answers; fails if it exits first.</summary>
    public async Task<int> WaitForAnswerAsync(HttpClient client, Uri address, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"the host exited with {process.ExitCode} before answering {address}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(address, TestContext.Current.CancellationToken);
                return (int)response.StatusCode;
            }
            catch (HttpRequestException) when (stopwatch.Elapsed < timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Asks the process to stop, as <c>docker stop</c> and Kubernetes do (SIGTERM).</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Sends SIGTERM and waits for the process to end; returns its exit code and how long that took.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        Terminate();
        var exitCode = await WaitForExitAsync(timeout);
        return (exitCode, stopwatch.Elapsed);
    }

    public void Kill() => process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
