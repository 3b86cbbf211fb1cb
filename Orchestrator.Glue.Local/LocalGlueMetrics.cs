using System.Diagnostics.Metrics;

namespace Orchestrator.Glue.Local;

/// <summary>What the embedded engine measures, for any metrics exporter (meter <c>Orchestrator.Glue.Local</c>).</summary>
static class LocalGlueMetrics
{
    public const string MeterName = "Orchestrator.Glue.Local";
    public const string DuckDbPeakMemory = "orchestrator.glue.local.duckdb.peak_memory";

    static readonly Meter Meter = new(MeterName);

    static readonly Counter<long> RowsWritten = Meter.CreateCounter<long>(
        "orchestrator.glue.local.rows_written", "{row}", "Rows data-preparation runs wrote to the clean zone.");

    static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "orchestrator.glue.local.job_run.duration", "s", "Duration of finished local job runs.");

    static readonly Histogram<long> PeakMemory = Meter.CreateHistogram<long>(
        DuckDbPeakMemory, "By", "Most buffer memory DuckDB used during a job run (sampled).");

    public static void RecordJobRun(string jobName, string state, TimeSpan duration, DataPreparationResult? result)
    {
        var job = new KeyValuePair<string, object?>("job", jobName);
        RunDuration.Record(duration.TotalSeconds, job, new KeyValuePair<string, object?>("state", state));
        if (result is not null)
        {
            RowsWritten.Add(result.Details.RowsWritten, job);
            PeakMemory.Record(result.DuckDbPeakMemoryBytes, job);
        }
    }
}
