using System.Diagnostics.Metrics;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Run and step metrics, recorded by the orchestrations when they are not replaying, so each event is counted once
/// by the worker that executed it, whichever replica that is.
/// </summary>
public sealed class RunMetrics
{
    readonly Counter<long> started;
    readonly Counter<long> finished;
    readonly Histogram<double> runDuration;
    readonly Histogram<double> stepDuration;
    readonly Histogram<double> visibilityLag;
    readonly Counter<double> dpuSeconds;
    readonly Counter<double> estimatedCost;

    public RunMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(OrchestratorMeter.Name);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = OrchestratorMeter.DurationBuckets };
        started = meter.CreateCounter<long>("orchestrator.runs.started", description: "Runs started, by pipeline and kind");
        finished = meter.CreateCounter<long>("orchestrator.runs.finished", description: "Runs finished, by pipeline and status");
        runDuration = meter.CreateHistogram("orchestrator.run.duration", "s", "Run durations, by pipeline and status", advice: buckets);
        stepDuration = meter.CreateHistogram("orchestrator.step.duration", "s", "Step durations, by pipeline, step kind and state", advice: buckets);
        dpuSeconds = meter.CreateCounter<double>("orchestrator.glue.dpu_seconds", description: "Billed Glue DPU-seconds of ended attempts, by pipeline, entity and resource (job or crawler)");
        estimatedCost = meter.CreateCounter<double>("orchestrator.glue.estimated_cost_usd", description: "Estimated cost in US dollars of ended attempts at the configured prices, by pipeline, entity and resource");
        visibilityLag = meter.CreateHistogram("orchestrator.visibility.lag", "s", "From a run's slot to its entity's clean partitions being catalogued, by pipeline and entity", advice: buckets);
    }

    public void RunStarted(string pipeline, RunKind kind) =>
        started.Add(1, new("pipeline", pipeline), new("kind", kind.ToString()));

    public void RunFinished(string pipeline, RunStatus status, TimeSpan duration)
    {
        finished.Add(1, new("pipeline", pipeline), new("status", status.ToString()));
        runDuration.Record(duration.TotalSeconds, new("pipeline", pipeline), new("status", status.ToString()));
    }

    public void EntityVisible(string pipeline, string entity, double lagSeconds) =>
        visibilityLag.Record(lagSeconds, new("pipeline", pipeline), new("entity", entity));

    /// <summary>The step's duration, and what its attempts are billed (an entity's own steps carry its name, the pipeline's crawls none).</summary>
    public void StepFinished(string pipeline, StepOutcome step)
    {
        var entity = step.Kind is StepKind.EntityJob or StepKind.EntityCleanCrawler ? step.Name : string.Empty;
        foreach (var cost in step.Attempts.Select(a => a.Cost).OfType<Costs.AttemptCost>())
        {
            dpuSeconds.Add(cost.DpuSeconds, new("pipeline", pipeline), new("entity", entity), new("resource", step.Resource ?? string.Empty));
            estimatedCost.Add(cost.Cost, new("pipeline", pipeline), new("entity", entity), new("resource", step.Resource ?? string.Empty));
        }

        if (step.StartedAt is { } stepStarted && step.EndedAt is { } ended)
        {
            stepDuration.Record((ended - stepStarted).TotalSeconds, new("pipeline", pipeline), new("kind", step.Kind.ToString()), new("state", step.State.ToString()));
        }
    }
}
