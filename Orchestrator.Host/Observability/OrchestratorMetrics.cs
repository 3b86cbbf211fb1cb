using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Host.Observability;

/// <summary>The scheduler's metrics: skipped slots, and gauges of active runs and runs past their deadline.</summary>
public sealed class OrchestratorMetrics
{
    readonly Counter<long> skipped;
    readonly ConcurrentDictionary<string, (int Active, int PastDeadline)> runs = new();

    public OrchestratorMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(OrchestratorMeter.Name);
        skipped = meter.CreateCounter<long>("orchestrator.schedule.slots.skipped", description: "Schedule slots not started, by pipeline and reason");
        meter.CreateObservableGauge("orchestrator.runs.active", () => runs.Select(r => new Measurement<int>(r.Value.Active, new KeyValuePair<string, object?>("pipeline", r.Key))),
            description: "Runs pending or running, by pipeline");
        meter.CreateObservableGauge("orchestrator.runs.past_deadline", () => runs.Select(r => new Measurement<int>(r.Value.PastDeadline, new KeyValuePair<string, object?>("pipeline", r.Key))),
            description: "Active runs past their pipeline's run deadline, by pipeline");
    }

    public void SlotSkipped(string pipeline, string reason) =>
        skipped.Add(1, new("pipeline", pipeline), new("reason", reason));

    public void ActiveRuns(string pipeline, IReadOnlyCollection<RunSummary> active) =>
        runs[pipeline] = (active.Count, active.Count(r => r.PastDeadline));
}
