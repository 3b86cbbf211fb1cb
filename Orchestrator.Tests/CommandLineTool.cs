using System.Diagnostics;

namespace Orchestrator.Tests;

/// <summary>A program found on PATH (python3, cfn-lint), run to completion with its output captured.</summary>
public sealed record CommandLineTool(string Name, string ExecutablePath)
{
    static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The program, or null when no folder on PATH has it (the caller skips with a reason).</summary>
    public static CommandLineTool? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .Where(File.Exists)
            .Select(path => new CommandLineTool(name, path))
            .FirstOrDefault();

    /// <summary>
    /// Runs the program to completion within <paramref name="timeout"/>. A cancelled test stops it too, unless
    /// <paramref name="outlivesTest"/> (clean-up that must run however the test ended).
    /// </summary>
    public async Task<ToolRun> RunAsync(
        IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null,
        bool outlivesTest = false)
    {
        var limit = timeout ?? DefaultTimeout;
        var start = new ProcessStartInfo(ExecutablePath)
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

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ExecutablePath}");
        using var deadline = outlivesTest ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(limit);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return new ToolRun(process.ExitCode, await output + await errors, await output);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} {string.Join(' ', start.ArgumentList)} did not finish within {limit}.");
        }
    }
}

/// <summary>How a tool run ended: its exit code, everything it printed, and what it printed on standard output alone.</summary>
public sealed record ToolRun(int ExitCode, string Output, string StandardOutput);
