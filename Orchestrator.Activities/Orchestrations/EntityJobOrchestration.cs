using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Activities;
using Orchestrator.Activities.Glue;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

public sealed record EntityJobInput(string RunId, EntityDefinition Entity, PollPolicy Poll, EntityJobState? State = null);

/// <summary>Where an entity's job step stands; carried across ContinueAsNew.</summary>
public sealed record EntityJobState(
    DateTime StartedAt,
    IReadOnlyList<AttemptRecord> Attempts,
    AttemptRecord? Active,
    int ActivePolls,
    DateTime? NextAttemptAt);

/// <summary>
/// One entity's Glue job, attempt after attempt: start it with the marker <c>{runId}/{entity}/{attempt}</c>, poll it
/// with durable timers and growing delays until it ends, stop it when it outlives the job timeout, and retry failed
/// runs per the retry policy. A configuration error (unknown job) fails the step at once.
/// </summary>
public sealed class EntityJobOrchestration(ILoggerFactory? loggerFactory = null) : StepOrchestration<EntityJobInput>(loggerFactory)
{
    public EntityJobOrchestration()
        : this(null)
    {
    }

    public override async Task<StepOutcome> RunTask(OrchestrationContext context, EntityJobInput input)
    {
        var entity = input.Entity;
        var stepId = StepOutcome.EntityId(entity.Name);
        var state = input.State ?? new EntityJobState(context.CurrentUtcDateTime, [], null, 0, null);
        var polls = 0;
        Publish(Outcome(input, state, StepState.Running));

        while (true)
        {
            if (state.Active is null)
            {
                if (state.NextAttemptAt is { } retryAt && await WaitUntilAsync(context, retryAt))
                {
                    return Stopped(context, input, state);
                }

                var number = state.Attempts.Count + 1;
                var marker = $"{input.RunId}/{entity.Name}/{number}";
                var now = context.CurrentUtcDateTime;
                var start = await context.ScheduleTask<StartJobRunResult>(typeof(StartJobRunActivity),
                    new StartJobRunRequest(input.RunId, stepId, entity.Job, entity.Arguments, marker, now));
                if (start.Error is { } error)
                {
                    var failed = new AttemptRecord(number, null, "START_FAILED", now, now, error.Code, error.Message);
                    state = state with { Attempts = [.. state.Attempts, failed], NextAttemptAt = null };
                    if (!error.Permanent && entity.Retry.ShouldRetry(number, error.Code, error.Message))
                    {
                        state = state with { NextAttemptAt = now + entity.Retry.DelayAfter(number, DeterministicDraw.For(marker)) };
                        Log(context, input.RunId, stepId, LogLevel.Warning, "Could not start {Job} ({ErrorCode}: {ErrorMessage}); retrying at {RetryAt:o}", entity.Job, error.Code, error.Message, state.NextAttemptAt);
                        Publish(Outcome(input, state, StepState.Running));
                        continue;
                    }

                    Log(context, input.RunId, stepId, LogLevel.Error, "Could not start {Job}: {ErrorCode}: {ErrorMessage}", entity.Job, error.Code, error.Message);
                    return Finish(context, input, state, StepState.Failed);
                }

                state = state with { Active = new AttemptRecord(number, start.GlueRunId, JobRunState.Starting.Value, now, null, null, null), ActivePolls = 0, NextAttemptAt = null };
                Log(context, input.RunId, stepId, LogLevel.Information, "Attempt {Attempt} of {Job} is job run {GlueRunId}{Adopted}", number, entity.Job, start.GlueRunId, start.Adopted ? " (adopted)" : string.Empty);
                Publish(Outcome(input, state, StepState.Running));
            }

            var active = state.Active!;
            var deadline = active.StartedAt!.Value + entity.JobTimeout;
            var wakeAt = context.CurrentUtcDateTime + input.Poll.DelayAfter(state.ActivePolls);
            if (await WaitUntilAsync(context, wakeAt < deadline ? wakeAt : deadline))
            {
                await StopRunAsync(context, input, stepId, active);
                return Stopped(context, input, state);
            }

            var request = new JobRunRequest(input.RunId, stepId, entity.Job, active.GlueRunId!);
            if (context.CurrentUtcDateTime >= deadline)
            {
                await StopRunAsync(context, input, stepId, active);
                var message = $"stopped by the orchestrator: the job ran longer than its timeout of {entity.JobTimeout}";
                Log(context, input.RunId, stepId, LogLevel.Warning, "Job run {GlueRunId} of {Job} timed out after {JobTimeout}", active.GlueRunId, entity.Job, entity.JobTimeout);
                state = EndAttempt(state, active with { State = JobRunState.Timeout.Value, EndedAt = context.CurrentUtcDateTime, ErrorClass = JobRunState.Timeout.Value, ErrorMessage = message });
                if (!TryScheduleRetry(context, input, ref state, JobRunState.Timeout.Value, message))
                {
                    return Finish(context, input, state, StepState.Failed);
                }

                continue;
            }

            var run = await context.ScheduleTask<JobRunSnapshot>(typeof(GetJobRunActivity), request);
            state = state with { ActivePolls = state.ActivePolls + 1 };
            if (run.Error is { } pollError)
            {
                // Glue can briefly not know a run it just started; a lasting "not found" ends the attempt.
                if (pollError.Permanent && state.ActivePolls > 3)
                {
                    state = EndAttempt(state, active with { State = JobRunState.Error.Value, EndedAt = context.CurrentUtcDateTime, ErrorClass = pollError.Code, ErrorMessage = pollError.Message });
                    if (!TryScheduleRetry(context, input, ref state, pollError.Code, pollError.Message))
                    {
                        return Finish(context, input, state, StepState.Failed);
                    }
                }

                continue;
            }

            if (run.State != active.State)
            {
                active = active with { State = run.State, ErrorMessage = run.ErrorMessage, ExecutionTimeSeconds = run.ExecutionTimeSeconds, DpuSeconds = run.DpuSeconds };
                state = state with { Active = active };
                Log(context, input.RunId, stepId, LogLevel.Information, "Job run {GlueRunId} of {Job} is {JobRunState}", active.GlueRunId, entity.Job, run.State);
                Publish(Outcome(input, state, StepState.Running));
            }

            if (run.IsTerminal)
            {
                var succeeded = run.State == JobRunState.Succeeded.Value;
                state = EndAttempt(state, active with
                {
                    EndedAt = run.CompletedOn ?? context.CurrentUtcDateTime,
                    ErrorClass = succeeded ? null : run.State,
                    Details = run.Details,
                });
                if (succeeded)
                {
                    return Finish(context, input, state, StepState.Succeeded);
                }

                if (!TryScheduleRetry(context, input, ref state, run.State, run.ErrorMessage))
                {
                    return Finish(context, input, state, StepState.Failed);
                }

                continue;
            }

            if (++polls >= PollsPerExecution)
            {
                context.ContinueAsNew(input with { State = state });
                return Outcome(input, state, StepState.Running);
            }
        }
    }

    bool TryScheduleRetry(OrchestrationContext context, EntityJobInput input, ref EntityJobState state, string errorClass, string? message)
    {
        var attempt = state.Attempts.Count;
        if (!input.Entity.Retry.ShouldRetry(attempt, errorClass, message))
        {
            return false;
        }

        var delay = input.Entity.Retry.DelayAfter(attempt, DeterministicDraw.For($"{input.RunId}/{input.Entity.Name}/{attempt}"));
        state = state with { NextAttemptAt = context.CurrentUtcDateTime + delay };
        Log(context, input.RunId, StepOutcome.EntityId(input.Entity.Name), LogLevel.Warning, "Attempt {Attempt} ended {ErrorClass}; retrying in {Delay}", attempt, errorClass, delay);
        Publish(Outcome(input, state, StepState.Running));
        return true;
    }

    static async Task StopRunAsync(OrchestrationContext context, EntityJobInput input, string stepId, AttemptRecord active) =>
        await context.ScheduleTask<StopResult>(typeof(StopJobRunActivity), new JobRunRequest(input.RunId, stepId, input.Entity.Job, active.GlueRunId!));

    static EntityJobState EndAttempt(EntityJobState state, AttemptRecord attempt) =>
        state with { Attempts = [.. state.Attempts, attempt], Active = null, ActivePolls = 0 };

    StepOutcome Stopped(OrchestrationContext context, EntityJobInput input, EntityJobState state)
    {
        if (state.Active is { } active)
        {
            state = EndAttempt(state, active with { State = JobRunState.Stopped.Value, EndedAt = context.CurrentUtcDateTime, ErrorClass = JobRunState.Stopped.Value, ErrorMessage = StopReason });
        }

        return Finish(context, input, state, StepState.Stopped);
    }

    StepOutcome Finish(OrchestrationContext context, EntityJobInput input, EntityJobState state, StepState final) =>
        Finish(Outcome(input, state, final, context.CurrentUtcDateTime));

    static StepOutcome Outcome(EntityJobInput input, EntityJobState state, StepState stepState, DateTime? endedAt = null) =>
        Outcome(StepOutcome.EntityId(input.Entity.Name), StepKind.EntityJob, input.Entity.Name, input.Entity.Job, stepState,
            state.StartedAt, endedAt, state.Attempts, state.Active);
}
