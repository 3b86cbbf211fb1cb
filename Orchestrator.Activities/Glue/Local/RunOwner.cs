using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Activities.Glue.Local;

/// <summary>
/// Who runs a job run or crawl: <c>machine/pid/process-start-ticks/instance</c>. Another process on the same
/// machine can tell at once that the owner died (no such process, or the pid now belongs to a newer process, as
/// when a container restarts as pid 1); elsewhere only the lease running out tells.
/// </summary>
internal static class RunOwner
{
    private static readonly long CurrentProcessStart = StartTicks(Process.GetCurrentProcess()) ?? 0;

    /// <summary>A new owner id for one backend instance of this process.</summary>
    public static string NewInstance() => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.MachineName}/{Environment.ProcessId}/{CurrentProcessStart}/{Guid.NewGuid():N}");

    /// <summary>True when <paramref name="owner"/> is a process of this machine that no longer runs.</summary>
    public static bool IsDeadOnThisMachine(string owner)
    {
        var parts = owner.Split('/');
        if (parts.Length != 4 || parts[0] != Environment.MachineName
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var started))
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return Math.Abs(started - CurrentProcessStart) > TimeSpan.TicksPerSecond;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return StartTicks(process) is { } ticks && Math.Abs(ticks - started) > TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static long? StartTicks(Process process)
    {
        try
        {
            return process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception error) when (error is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
