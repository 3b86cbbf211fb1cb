using System.Diagnostics.Metrics;

namespace Orchestrator.Glue.Local;

/// <summary>What the embedded engine measures, on <see cref="OrchestratorMeter"/>, for any metrics exporter.</summary>
sealed class LocalGlueMetrics
{
    public const string DuckDbPeakMemory = "orchestrator.glue.local.duckdb.peak_memory";

    readonly Counter<long> rowsWritten;
    readonly Histogram<double> runDuration;
    readonly Histogram<long> peakMemory;

    public LocalGlueMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(OrchestratorMeter.Name);
        rowsWritten = meter.CreateCounter<long>(
            "orchestrator.glue.local.rows_written", "{row}", "Rows data-preparation runs wrote to the clean zone.");
        runDuration = meter.CreateHistogram(
            "orchestrator.glue.local.job_run.duration", "s", "Duration of finished local job runs.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OrchestratorMeter.DurationBuckets });
        // 16 MB to 16 GB: the range DuckDB's MemoryLimit (512MB by default) is set in.
        peakMemory = meter.CreateHistogram(
            DuckDbPeakMemory, "By", "Most buffer memory DuckDB used during a job run (sampled).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [16L << 20, 64L << 20, 256L << 20, 1L << 30, 4L << 30, 16L << 30] });
    }

    public void RecordJobRun(string jobName, string state, TimeSpan duration, DataPreparationResult? result)
    {
        var job = new KeyValuePair<string, object?>("job", jobName);
        runDuration.Record(duration.TotalSeconds, job, new KeyValuePair<string, object?>("state", state));
        if (result is not null)
        {
            rowsWritten.Add(result.Details.RowsWritten, job);
            peakMemory.Record(result.DuckDbPeakMemoryBytes, job);
        }
    }
}
