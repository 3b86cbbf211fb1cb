using System.Diagnostics.Metrics;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Run and step metrics, recorded by the orchestrations when they are not replaying, so each event is counted once
/// by the worker that executed it, whichever replica that is.
/// </summary>
public static class RunMetrics
{
    public const string MeterName = "Orchestrator";

    static readonly Meter Meter = new(MeterName);
    static readonly Counter<long> Started = Meter.CreateCounter<long>("orchestrator.runs.started", description: "Runs started, by pipeline and kind");
    static readonly Counter<long> Finished = Meter.CreateCounter<long>("orchestrator.runs.finished", description: "Runs finished, by pipeline and status");
    static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("orchestrator.run.duration", "s", "Run durations, by pipeline and status",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] });
    static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("orchestrator.step.duration", "s", "Step durations, by pipeline, step kind and state",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] });

    public static void RunStarted(string pipeline, RunKind kind) =>
        Started.Add(1, new("pipeline", pipeline), new("kind", kind.ToString()));

    public static void RunFinished(string pipeline, RunStatus status, TimeSpan duration)
    {
        Finished.Add(1, new("pipeline", pipeline), new("status", status.ToString()));
        RunDuration.Record(duration.TotalSeconds, new("pipeline", pipeline), new("status", status.ToString()));
    }

    public static void StepFinished(string pipeline, StepOutcome step)
    {
        if (step.StartedAt is { } started && step.EndedAt is { } ended)
        {
            StepDuration.Record((ended - started).TotalSeconds, new("pipeline", pipeline), new("kind", step.Kind.ToString()), new("state", step.State.ToString()));
        }
    }
}
