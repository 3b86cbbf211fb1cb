namespace Orchestrator.Glue;

/// <summary>
/// The capacity a job run is billed by, as GetJobRun reports it: <see cref="MaxCapacity"/> (DPUs) or
/// <see cref="WorkerType"/> × <see cref="NumberOfWorkers"/>, the <see cref="ExecutionClass"/> (STANDARD or FLEX) and
/// the <see cref="GlueVersion"/>. <see cref="Estimated"/>: not reported by AWS Glue but configured, as the local
/// engine does for the AWS job it stands in for.
/// </summary>
public sealed record JobRunCapacity(
    double? MaxCapacity = null,
    string? WorkerType = null,
    int? NumberOfWorkers = null,
    string? ExecutionClass = null,
    string? GlueVersion = null,
    bool Estimated = false)
{
    public const string Flex = "FLEX";

    /// <summary>
    /// DPUs per worker (AWS Glue worker types page, read 2026-12-01). R.* workers count memory-optimised M-DPUs and
    /// Z.2X is Ray's M-DPU worker: billed per (M-)DPU like the others here; their own price can be configured.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, double> DpuPerWorker = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["G.025X"] = 0.25,
        ["G.1X"] = 1,
        ["G.2X"] = 2,
        ["G.4X"] = 4,
        ["G.8X"] = 8,
        ["G.12X"] = 12,
        ["G.16X"] = 16,
        ["R.1X"] = 1,
        ["R.2X"] = 2,
        ["R.4X"] = 4,
        ["R.8X"] = 8,
        ["Z.2X"] = 2,
        ["Standard"] = 1,
    };

    /// <summary>Whether the run used the Flex execution class (spare capacity, a lower price).</summary>
    public bool IsFlex => string.Equals(ExecutionClass, Flex, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The run's DPUs: workers × the worker type's DPUs where both are known, else MaxCapacity; null when neither
    /// is (then the run's cost cannot be told).
    /// </summary>
    public double? Dpu =>
        WorkerType is { } type && NumberOfWorkers is { } workers && DpuPerWorker.TryGetValue(type, out var perWorker)
            ? workers * perWorker
            : MaxCapacity;

    /// <summary>
    /// The billed minimum: Glue 0.9 and 1.0 Spark jobs pay at least ten minutes, later versions (and Python shell)
    /// one minute (AWS Glue pricing, read 2026-12-01).
    /// </summary>
    public TimeSpan MinimumBilled => GlueVersion is "0.9" or "1.0" ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(1);

    /// <summary>
    /// The DPU-seconds a run is billed: Glue's own DPUSeconds where reported (auto-scaling and Flex runs), else its
    /// execution time, raised to the minimum, × its DPUs. Null when neither DPUSeconds nor the DPUs are known.
    /// </summary>
    public double? BilledDpuSeconds(int executionTimeSeconds, double? reportedDpuSeconds) =>
        reportedDpuSeconds is { } reported && double.IsFinite(reported) && reported >= 0
            ? reported
            : Dpu is { } dpu ? Math.Max(executionTimeSeconds, MinimumBilled.TotalSeconds) * dpu : null;
}
