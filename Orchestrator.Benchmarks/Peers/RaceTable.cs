using System.Globalization;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// The race's one table, in Markdown so it goes into docs/benchmarks.md as printed: per workload and store, medians
/// over the rounds with their range, and each store's activities/s as a ratio to ours (row 1).
/// </summary>
static class RaceTable
{
    public static void Print(TextWriter output, RaceOptions options, IReadOnlyList<RaceProvider> providers, IReadOnlyList<WorkloadResult> results)
    {
        output.WriteLine();
        output.WriteLine("| Workload | Store | Finished | Wall time | Activities/s | Scheduled→started p50 / p95 | Peak RSS | Activities/s ÷ ours |");
        output.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var workload in options.Workloads)
        {
            var ours = Median(Runs(results, RaceProvider.Ours, workload).Where(r => r.Seconds > 0).Select(r => r.ActivitiesPerSecond));
            foreach (var provider in providers)
            {
                // A run that never started (its store or Azurite failed to come up) has no figures; it is counted apart.
                var runs = Runs(results, provider, workload);
                var notRun = runs.RemoveAll(r => r.Seconds == 0);
                var speed = runs.Select(r => r.ActivitiesPerSecond).ToList();
                var ratio = Median(speed) is { } mine && ours is > 0 ? Invariant($"{mine / ours:0.00}×") : "–";
                output.WriteLine(Invariant($"| {workload.Title} | {provider.Label} | {Finished(runs, options)}{(notRun > 0 ? $", {notRun} did not start" : "")} | {Range(runs.Select(r => r.Seconds), "F1", " s")} | {Range(speed, "N0", "")} | {Latency(runs)} | {Max(runs.Select(r => r.PeakRssMegabytes))} | {ratio} |"));
            }
        }

        output.WriteLine();
        output.WriteLine("Medians over the rounds, [min–max] beside them. An unfinished run counts the activities it finished in the time it");
        output.WriteLine("ran (the bound, where it was cut off); why it did not finish is in its round line above.");
    }

    static List<WorkloadResult> Runs(IReadOnlyList<WorkloadResult> results, RaceProvider provider, RaceWorkload workload) =>
        [.. results.Where(r => r.Provider == provider.Id && r.Workload == workload.Id)];

    static string Finished(List<WorkloadResult> runs, RaceOptions options)
    {
        var finished = runs.Count(r => r.Finished);
        var unfinished = runs.Where(r => !r.Finished).Select(r => Invariant($"{r.ActivitiesDone:N0}")).ToList();
        return Invariant($"{finished}/{runs.Count}") + (unfinished.Count > 0 ? Invariant($" (unfinished, bound {options.Bound.TotalSeconds:F0} s: {string.Join(", ", unfinished)} activities done)") : "");
    }

    static string Latency(List<WorkloadResult> runs) =>
        Median(runs.Select(r => r.P50Milliseconds).OfType<double>()) is { } p50 && Median(runs.Select(r => r.P95Milliseconds).OfType<double>()) is { } p95
            ? Invariant($"{Milliseconds(p50)} / {Milliseconds(p95)}")
            : "–";

    static string Milliseconds(double value) => value >= 1000 ? Invariant($"{value / 1000:F1} s") : Invariant($"{value:F1} ms");

    static string Max(IEnumerable<double?> values) => values.OfType<double>().DefaultIfEmpty(double.NaN).Max() is var max && !double.IsNaN(max) ? Invariant($"{max:F0} MB") : "–";

    static string Range(IEnumerable<double> values, string format, string unit)
    {
        var list = values.Order().ToList();
        if (list.Count == 0)
        {
            return "–";
        }

        var median = Median(list)!.Value.ToString(format, CultureInfo.InvariantCulture);
        return list.Count == 1 ? median + unit : $"{median}{unit} [{list[0].ToString(format, CultureInfo.InvariantCulture)}–{list[^1].ToString(format, CultureInfo.InvariantCulture)}]";
    }

    static double? Median(IEnumerable<double> values)
    {
        var list = values.Order().ToList();
        return list.Count == 0 ? null : list.Count % 2 == 1 ? list[list.Count / 2] : (list[list.Count / 2 - 1] + list[list.Count / 2]) / 2;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
