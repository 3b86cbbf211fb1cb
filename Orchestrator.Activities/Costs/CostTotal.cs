using System.Globalization;

namespace Orchestrator.Activities.Costs;

/// <summary>
/// Attempts' costs added up (a step, an entity, a run, a day): DPU-seconds, DPU-hours and cost, and whether any part
/// of it is an estimate. Attempts whose cost could not be told (no capacity reported) add nothing and are counted in
/// <see cref="Unknown"/>.
/// </summary>
public sealed record CostTotal(double DpuSeconds, double Cost, bool Estimated, int Unknown = 0)
{
    public static readonly CostTotal Zero = new(0, 0, false);

    public double DpuHours => DpuSeconds / 3600;

    /// <summary>
    /// The cost as the CLI prints it, "$0.337", with "≈" before an estimate; <paramref name="forecast"/> marks it so
    /// whatever its parts (a plan's figures are forecasts even when no step is estimated).
    /// </summary>
    public string Dollars(bool forecast = false) =>
        string.Create(CultureInfo.InvariantCulture, $"{(forecast || Estimated ? "≈" : string.Empty)}${Cost:0.000}");

    public CostTotal Add(CostTotal other) =>
        new(DpuSeconds + other.DpuSeconds, Cost + other.Cost, Estimated || other.Estimated, Unknown + other.Unknown);

    public static CostTotal Of(IEnumerable<AttemptCost?> attempts) =>
        attempts.Aggregate(Zero, (total, a) => a is null
            ? total with { Unknown = total.Unknown + 1 }
            : total.Add(new CostTotal(a.DpuSeconds, a.Cost, a.Estimated)));

    public static CostTotal Sum(IEnumerable<CostTotal?> totals) =>
        totals.Aggregate(Zero, (total, t) => t is null ? total : total.Add(t));
}
