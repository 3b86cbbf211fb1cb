namespace Orchestrator.Glue;

/// <summary>
/// The one meter every project records on, each through <see cref="System.Diagnostics.Metrics.IMeterFactory"/>
/// (defined here, in the lowest project that records); <c>/metrics</c> exports this meter and nothing else.
/// </summary>
public static class OrchestratorMeter
{
    public const string Name = "Orchestrator";

    /// <summary>
    /// Histogram bounds in seconds for runs, steps and job runs: a crawl takes seconds, a big job hours, so the
    /// default OpenTelemetry bounds (made for milliseconds) would put nearly every run into one bucket.
    /// </summary>
    public static IReadOnlyList<double> DurationBuckets { get; } = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
}
