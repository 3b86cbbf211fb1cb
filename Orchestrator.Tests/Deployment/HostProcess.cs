using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The published host binary as a child process with the environment a container would give it: inherited
/// Orchestrator, ASPNETCORE and AWS variables are removed first, so only what the test passes counts. Output is
/// captured; the process is killed on dispose if it is still running.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly string[] ContainerPrefixes = ["Orchestrator", "ASPNETCORE_", "AWS_", "DOTNET_ENVIRONMENT"];

    private readonly Process process;
    private readonly StringBuilder output = new();

    private HostProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Everything the process printed so far, standard output and error interleaved.</summary>
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

    public static HostProcess Start(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var inherited in start.Environment.Keys.Where(name => ContainerPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new HostProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}"));
    }

    /// <summary>The exit code, once the process ends by itself within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the host did not exit within {timeout}; it printed:\n{Output}");
        }

        // The parameterless wait also drains the redirected output.
        await process.WaitForExitAsync();
        return process.ExitCode;
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

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do, and waits for the process to end.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync(CommandLineTool kill, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        var signal = await kill.RunAsync(["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], Environment.CurrentDirectory);
        Assert.True(signal.ExitCode == 0, $"kill -TERM failed: {signal.Output}");
        var exitCode = await WaitForExitAsync(timeout);
        return (exitCode, stopwatch.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
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
