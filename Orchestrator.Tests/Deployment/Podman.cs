namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The podman command line. Its machine settings (runtime, cgroup manager, ulimits) come from containers.conf, as
/// for any user of the machine: .ci/run writes them where the defaults do not work (docs/operations.md).
/// </summary>
public sealed record Podman(CommandLineTool Tool)
{
    /// <summary>Label on every container and volume the tests create, so leftovers of a killed test run can be found.</summary>
    public const string TestLabel = "io.orchestrator.tests";

    public static Podman? Find() => CommandLineTool.Find("podman") is { } tool ? new Podman(tool) : null;

    public Task<ToolRun> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null, bool outlivesTest = false) =>
        Tool.RunAsync(arguments, workingDirectory ?? RepositoryRoot.Path, timeout: timeout, outlivesTest: outlivesTest);

    /// <summary>
    /// Runs podman and returns what it printed on standard output (podman reports on standard error, e.g. that there
    /// is no systemd for timed health checks); fails with the command and all its output when it exits non-zero.
    /// </summary>
    public async Task<string> CheckedAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var list = arguments.ToList();
        var run = await RunAsync(list, timeout, workingDirectory);
        Assert.True(run.ExitCode == 0, $"podman {string.Join(' ', list)} exited {run.ExitCode}:\n{run.Output}");
        return run.StandardOutput.Trim();
    }

    /// <summary>Removes containers and volumes by name, ignoring those that are already gone.</summary>
    public async Task RemoveAsync(IEnumerable<string> containers, IEnumerable<string> volumes)
    {
        var names = containers.ToList();
        if (names.Count > 0)
        {
            await RunAsync(["rm", "--force", "--volumes", "--time", "0", .. names], outlivesTest: true);
        }

        foreach (var volume in volumes)
        {
            await RunAsync(["volume", "rm", "--force", volume], outlivesTest: true);
        }
    }
}
