using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orchestrator.Glue;

namespace Orchestrator.Host.Observability;

/// <summary>
/// The process's memory, CPU time and start time under the Prometheus client libraries' standard names
/// (<c>process_resident_memory_bytes</c>, <c>process_cpu_seconds_total</c>, <c>process_start_time_seconds</c>), which
/// dashboards and docs/operations.md use. Kept here because neither OpenTelemetry's process instrumentation
/// (<c>process_memory_usage_bytes</c>, <c>process_cpu_time_seconds_total</c>) nor .NET's <c>System.Runtime</c> meter
/// (<c>dotnet_process_memory_working_set_bytes</c>, <c>dotnet_process_cpu_time_seconds_total</c>) exports these names,
/// and neither has the start time.
/// </summary>
public sealed class ProcessMetrics
{
    public ProcessMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(OrchestratorMeter.Name);
        using var process = Process.GetCurrentProcess();
        var started = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        meter.CreateObservableGauge("process.resident_memory", () => Environment.WorkingSet, "By", "Resident memory size in bytes.");
        meter.CreateObservableCounter("process.cpu", () => Environment.CpuUsage.TotalTime.TotalSeconds, "s", "Total user and system CPU time spent in seconds.");
        meter.CreateObservableGauge("process.start_time", () => started, "s", "Start time of the process since unix epoch in seconds.");
    }
}
