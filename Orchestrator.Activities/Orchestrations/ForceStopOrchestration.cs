using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

/// <summary>A Glue resource a force-terminated step left running: a job run, or a crawl of ours.</summary>
public sealed record ForceStopTarget(string StepId, StepKind Kind, string Resource, string? GlueRunId)
{
    /// <summary>What to stop for a running step, or null when it has nothing of ours in flight (a crawl it only attached to, say).</summary>
    public static ForceStopTarget? Of(StepOutcome step) => step switch
    {
        { Kind: StepKind.EntityJob, Resource: { } job } when step.Attempts.LastOrDefault() is { GlueRunId: { } glueRunId, EndedAt: null } =>
            new(step.Id, step.Kind, job, glueRunId),
        { Kind: not StepKind.EntityJob, Resource: { } crawler } when step.Attempts.LastOrDefault()?.State != AttemptStates.Attached =>
            new(step.Id, step.Kind, crawler, null),
        _ => null,
    };
}

public sealed record ForceStopInput(string RunId, string Reason, IReadOnlyList<ForceStopTarget> Targets);

/// <summary>
/// Stops the Glue runs of a force-terminated run's steps. A force terminate ends the run and its steps at once,
/// without their code running, so nothing of theirs can stop their Glue resources: this orchestration does, with the
/// same activities a graceful stop uses, recorded in its own history (<c>{runId}/force-stop</c>). It returns how
/// many stops Glue refused (each is logged by its activity).
/// </summary>
public sealed partial class ForceStopOrchestration(ILoggerFactory? loggerFactory = null) : TaskOrchestration<int, ForceStopInput>
{
    readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ForceStopOrchestration>();

    public ForceStopOrchestration()
        : this(null)
    {
    }

    public override async Task<int> RunTask(OrchestrationContext context, ForceStopInput input)
    {
        var stops = input.Targets.Select(target => target.Kind == StepKind.EntityJob
            ? context.ScheduleTask<StopResult>(typeof(StopJobRunActivity), new JobRunRequest(input.RunId, target.StepId, target.Resource, target.GlueRunId!))
            : context.ScheduleTask<StopResult>(typeof(StopCrawlerActivity), new CrawlerRequest(input.RunId, target.StepId, target.Resource)));
        var results = await Task.WhenAll(stops);
        var refused = results.Count(r => r.Error is not null);
        if (!context.IsReplaying)
        {
            LogStopped(logger, input.RunId, RunIds.PipelineOf(input.RunId), results.Length, refused, input.Reason);
        }

        return refused;
    }

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "Force-terminated run {RunId} of {Pipeline}: asked Glue to stop {Stops} resources ({Refused} refused): {Reason}")]
    static partial void LogStopped(ILogger logger, string runId, string pipeline, int stops, int refused, string reason);
}
