using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Sqlite;

/// <summary>
/// Who holds a lease or a lock: <c>machine/pid/process-start-ticks/instance</c>. Another process on the same machine
/// can tell at once that the owner died (no such process, or the pid now belongs to a newer process, as when a
/// container restarts as pid 1); elsewhere only the lease running out tells. Written into the store's locks and
/// workers and into the catalog's job runs and crawls.
/// </summary>
public static class ProcessOwner
{
    static readonly long CurrentProcessStart = StartTicks(Process.GetCurrentProcess()) ?? 0;

    /// <summary>When this process started (UTC).</summary>
    public static DateTime ProcessStartTime => new(CurrentProcessStart, DateTimeKind.Utc);

    /// <summary>A new owner id for one component instance of this process.</summary>
    public static string NewInstance() => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.MachineName}/{Environment.ProcessId}/{CurrentProcessStart}/{Guid.NewGuid():N}");

    /// <summary>The machine and process an owner id names, or null for an id of another shape.</summary>
    public static (string Machine, int ProcessId, DateTime ProcessStart)? Parse(string owner)
    {
        var parts = owner.Split('/');
        return parts.Length == 4
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var started)
            && started is >= 0 and <= 3155378975999999999
                ? (parts[0], pid, new DateTime(started, DateTimeKind.Utc))
                : null;
    }

    /// <summary>True when <paramref name="owner"/> is a process of this machine that no longer runs.</summary>
    public static bool IsDeadOnThisMachine(string owner)
    {
        if (Parse(owner) is not { } process || process.Machine != Environment.MachineName)
        {
            return false;
        }

        var started = process.ProcessStart.Ticks;
        if (process.ProcessId == Environment.ProcessId)
        {
            return Math.Abs(started - CurrentProcessStart) > TimeSpan.TicksPerSecond;
        }

        try
        {
            using var running = Process.GetProcessById(process.ProcessId);
            return StartTicks(running) is { } ticks && Math.Abs(ticks - started) > TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    static long? StartTicks(Process process)
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
