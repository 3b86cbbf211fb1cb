using System.Diagnostics;
using System.Text;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Rehearsal;

/// <summary>
/// <c>orchestrator serve</c> in its own process, as an operator runs it, with its output kept; killed with SIGKILL
/// (no shutdown code runs) or on dispose.
/// </summary>
public sealed class ServeProcess : IRehearsalHost
{
    readonly Process process;
    readonly StringBuilder output = new();

    ServeProcess(Process process)
    {
        this.process = process;
        StartedAt = DateTime.UtcNow;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => process.Id;

    /// <summary>When the process was started (UTC).</summary>
    public DateTime StartedAt { get; }

    public bool HasExited => process.HasExited;

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

    int IRehearsalHost.ProcessId => Id;

    /// <summary>
    /// <c>serve --config <paramref name="config"/> --urls <paramref name="url"/></c>, once it listens. With
    /// <paramref name="isolated"/> it sees none of this process's <c>Orchestrator__</c> variables, so only
    /// <paramref name="config"/> decides which store and lake it writes to.
    /// </summary>
    public static async Task<ServeProcess> StartServingAsync(
        string config, string url, CancellationToken cancellationToken, bool isolated = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = Start(["serve", "--config", config, "--urls", url], isolated, environment);
        try
        {
            await host.WaitForOutputAsync("Now listening", TimeSpan.FromMinutes(1), cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Starts the <c>orchestrator</c> binary next to this assembly with <paramref name="arguments"/>.</summary>
    public static ServeProcess Start(IEnumerable<string> arguments, bool isolated = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "orchestrator"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (isolated)
        {
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Orchestrator__", StringComparison.OrdinalIgnoreCase) || k == HostConfiguration.FileVariable).ToList())
            {
                start.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new ServeProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}"));
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails if the process exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear; output:\n{Output}");
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    /// <summary>SIGKILL: the process ends where it stands, as in a power cut or an OOM kill.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
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
