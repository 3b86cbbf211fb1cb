namespace Orchestrator.Benchmarks;

/// <summary>Reads a process's peak resident memory (VmHWM) from /proc; null where /proc is absent.</summary>
static class PeakMemory
{
    /// <param name="processId">Another process (one this process started); this process where null.</param>
    public static double? Megabytes(int? processId = null)
    {
        var path = $"/proc/{processId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "self"}/status";
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Resets the peak to the current resident size (Linux: "5" to clear_refs), so one phase can be measured alone.</summary>
    public static void Reset()
    {
        const string path = "/proc/self/clear_refs";
        if (File.Exists(path))
        {
            File.WriteAllText(path, "5");
        }
    }
}
