using System.Globalization;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Benchmarks;

/// <summary>
/// <c>soak</c>: the in-tree host soak at length (50 SIGKILLs by default) beside the same run with no kill, the floor.
/// Prints what each kill cost: the time the new process took to attach its worker (boot), the time from then to the
/// run's next event (recovery), and the run's extra wall time per kill; then the invariants.
/// </summary>
static class HostSoakBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Arguments(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: soak [--kills 50] [--seed 42] [--rows 300] [--days 2]");
            return 2;
        }

        var (kills, seed, rows, days) = options.Value;
        var floor = await SoakAsync([], seed, rows, days);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"floor: the same run without kills: {floor.Status} in {floor.Duration.TotalSeconds:F1} s"));
        var soak = await SoakAsync(HostSoak.Across(kills), seed, rows, days);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {soak.Kills.Count} SIGKILLs, run {soak.Status} in {soak.Duration.TotalSeconds:F1} s " +
            $"({(soak.Duration - floor.Duration).TotalSeconds / Math.Max(1, soak.Kills.Count):F1} s more per kill)"));
        Console.WriteLine("phases hit: " + string.Join(", ", soak.Kills.GroupBy(k => k.Hit).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        Print("boot (process start -> worker attached)", soak.Kills.Select(k => k.Boot).ToList());
        var recoveries = soak.Kills.Where(k => k.Recovery is not null).Select(k => k.Recovery!.Value).ToList();
        Print("recovery (worker attached -> run's next event)", recoveries);
        Print("restart to progress (process start -> run's next event)", soak.Kills.Where(k => k.Recovery is not null).Select(k => k.Boot + k.Recovery!.Value).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kills without recovery within a minute: {soak.Kills.Count(k => k.Recovery is null)}; slowest recovery is " +
            $"{(recoveries.Count == 0 ? 0 : recoveries.Max().TotalSeconds / 120):P1} of the 120 s a successor waited before " +
            $"(the old 2-minute lock timeout)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"local engine resumes: {soak.EngineRestarts}; interrupted attempts (outside MaxAttempts): {soak.Steps.Sum(s => s.Interrupted)}; " +
            $"attempts counted against MaxAttempts: {soak.Steps.Sum(s => s.CountedFailures.Count)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"job runs: {soak.JobRunsPerMarker.Count} attempt markers, {soak.JobRunsPerMarker.Count(m => m.Value != 1)} with other than one job run"));
        Console.WriteLine("rows (raw = clean): " + string.Join(", ", soak.Rows.Select(r => $"{r.Key} {r.Value.Raw} = {r.Value.Clean}")));
        var holds = soak.Status == "Succeeded" && soak.Steps.All(s => s.CountedFailures.Count == 0)
            && soak.JobRunsPerMarker.All(m => m.Value == 1) && soak.Rows.All(r => r.Value.Raw == r.Value.Clean)
            && soak.Kills.All(k => k.Recovery < TimeSpan.FromSeconds(5));
        Console.WriteLine(holds ? "invariants: all hold" : "invariants: BROKEN");
        return holds ? 0 : 1;
    }

    static async Task<SoakReport> SoakAsync(IReadOnlyList<SoakPhase> targets, int seed, int rows, int days)
    {
        var directory = Directory.CreateTempSubdirectory("orchestrator-soak-");
        try
        {
            return await HostSoak.RunAsync(new SoakOptions(targets, seed, directory.FullName, rows, days), CancellationToken.None);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    static void Print(string what, List<TimeSpan> times)
    {
        if (times.Count == 0)
        {
            return;
        }

        var sorted = times.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: min {sorted[0].TotalSeconds:F2} s, median {sorted[sorted.Count / 2].TotalSeconds:F2} s, " +
            $"p95 {sorted[(int)Math.Ceiling(sorted.Count * 0.95) - 1].TotalSeconds:F2} s, max {sorted[^1].TotalSeconds:F2} s"));
    }

    static (int Kills, int Seed, int Rows, int Days)? Arguments(string[] args)
    {
        if (args.Length % 2 != 0)
        {
            return null;
        }

        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (args[i] is not ("--kills" or "--seed" or "--rows" or "--days")
                || !int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                return null;
            }

            values[args[i]] = value;
        }

        return (values.GetValueOrDefault("--kills", 50), values.GetValueOrDefault("--seed", 42),
            values.GetValueOrDefault("--rows", 300), values.GetValueOrDefault("--days", 2));
    }
}
