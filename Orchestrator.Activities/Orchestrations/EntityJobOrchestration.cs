using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Orchestrations;

public sealed record EntityJobInput(string RunId, EntityDefinition Entity, PollPolicy Poll, EntityJobState? State = null);

/// <summary>Where an entity's job step stands; carried across ContinueAsNew.</summary>
public sealed record EntityJobState(
    DateTime StartedAt,
    IReadOnlyList<AttemptRecord> Attempts,
    AttemptRecord? Active,
    int ActivePolls,
    DateTime? NextAttemptAt,
    int StartFailures = 0,
    bool TimeoutStopSent = false,
    RawDataCheck? RawData = null);

/// <summary>
/// One entity's Glue job, attempt after attempt: start it with the marker <c>{runId}/{entity}/{attempt}</c>, poll it
/// with durable timers and growing delays until it ends, stop it when it outlives the job timeout, and retry failed
/// runs per the retry policy. A configuration error (unknown job) fails the step at once. A run interrupted by the
/// orchestrator's own host going away is not the job's failure: a new attempt starts at once, outside MaxAttempts.
/// With SkipWhenNoNewData the step first asks whether the entity has raw data its job has not processed: with none it
/// ends Skipped (no new data) without a Glue run; a failed check never blocks the job, which then runs.
/// </summary>
public sealed class EntityJobOrchestration(ILoggerFactory? loggerFactory = null) : StepOrchestration<EntityJobInput>(loggerFactory)
{
    public EntityJobOrchestration()
        : this(null)
    {
    }

    /// <summary>Polls allowed after asking Glue to stop a timed-out run, before moving on without its final state.</summary>
    const int PollsAfterTimeoutStop = 10;

    /// <summary>Tries to record a succeeded attempt's partition changes before giving up with a warning.</summary>
    const int RecordChangesTries = 5;

    /// <summary>Lookups of a start's marker, after the starts were refused, before the step fails.</summary>
    const int LostStartLookups = 5;

    public override async Task<StepOutcome> RunTask(OrchestrationContext context, EntityJobInput input)
    {
        var entity = input.Entity;
        var stepId = StepIds.Entity(entity.Name);
        var state = input.State ?? new EntityJobState(context.CurrentUtcDateTime, [], null, 0, null);
        var polls = 0;
        Publish(Outcome(input, state, StepState.Running));
        if (input.State is null && entity.SkipWhenNoNewData)
        {
            state = await CheckRawDataAsync(context, input, state);
            if (state.RawData is { HasNewData: false })
            {
                return Finish(Outcome(input, state, StepState.Skipped, context.CurrentUtcDateTime) with
                {
                    ErrorClass = AttemptStates.NoNewDataClass,
                    ErrorMessage = AttemptStates.NoNewDataReason,
                });
            }
        }

        while (true)
        {
            // The run as the start read it, taken as a poll that cost no timer and no turn (nor counts in the cadence):
            // an attempt that has already ended ends here.
            JobRunSnapshot? readAtStart = null;
            if (state.Active is null)
            {
                if (StopRequested || (state.NextAttemptAt is { } retryAt && await WaitUntilAsync(context, retryAt)))
                {
                    return Stopped(context, input, state);
                }

                // The attempt number, and with it the marker, changes only once Glue has given a run id: a start that
                // ended ambiguously is retried under the same marker, so a run it did start is found and adopted.
                var number = state.Attempts.Count + 1;
                var marker = $"{input.RunId}/{entity.Name}/{number}";
                var now = context.CurrentUtcDateTime;
                var start = await context.ScheduleTask<StartJobRunResult>(typeof(StartJobRunActivity),
                    new StartJobRunRequest(input.RunId, stepId, entity.Job, entity.Arguments, marker, now, ChangesRequest(input, number, string.Empty)));
                if (start.Error is { } error)
                {
                    var failures = state.StartFailures + 1;
                    if (!error.Permanent && entity.Retry.ShouldRetry(failures, error.Code, error.Message))
                    {
                        var delay = entity.Retry.DelayAfter(failures, DeterministicDraw.For($"{marker}/start/{failures}"));
                        state = state with { StartFailures = failures, NextAttemptAt = now + delay };
                        Log(context, input.RunId, stepId, log => log.JobStartDeferred(entity.Job, error.Code, error.Message, delay));
                        continue;
                    }

                    var lost = state.StartFailures > 0 || !error.Permanent
                        // The attempt's first start came at most one MaxDelay per retry before this one.
                        ? await FindLostStartAsync(context, input, stepId, entity, marker, now - (entity.Retry.MaxDelay * state.StartFailures))
                        : (null, null);
                    if (lost.Found is null)
                    {
                        var message = lost.LookupError is { } lookup
                            ? $"{error.Message}; whether an earlier start created a Glue run under marker {marker} could not be checked ({lookup.Code}: {lookup.Message})"
                            : error.Message;
                        Log(context, input.RunId, stepId, log => log.JobStartRefused(entity.Job, error.Code, message));
                        state = state with { Attempts = [.. state.Attempts, new AttemptRecord(number, null, AttemptStates.StartFailed, now, now, error.Code, message)] };
                        return Finish(context, input, state, StepState.Failed);
                    }

                    start = lost.Found;
                }

                state = state with
                {
                    Active = new AttemptRecord(number, start.GlueRunId, JobRunState.Starting.Value, now, null, null, null),
                    ActivePolls = 0,
                    NextAttemptAt = null,
                    StartFailures = 0,
                    TimeoutStopSent = false,
                };
                Log(context, input.RunId, stepId, log => log.JobAttemptStarted(number, entity.Job, start.GlueRunId, start.Adopted ? " (adopted)" : string.Empty));
                Publish(Outcome(input, state, StepState.Running));
                readAtStart = start.Run;
            }

            var active = state.Active!;
            JobRunSnapshot run;
            if (readAtStart is not null)
            {
                run = readAtStart;
            }
            else
            {
                var deadline = active.StartedAt!.Value + entity.JobTimeout;
                var wakeAt = context.CurrentUtcDateTime + input.Poll.DelayAfter(state.ActivePolls);
                if (await WaitUntilAsync(context, state.TimeoutStopSent || wakeAt < deadline ? wakeAt : deadline))
                {
                    await StopRunAsync(context, input, stepId, active);
                    return Stopped(context, input, state);
                }

                var request = new JobRunRequest(input.RunId, stepId, entity.Job, active.GlueRunId!, ChangesRequest(input, active.Number, active.GlueRunId!));
                if (!state.TimeoutStopSent && context.CurrentUtcDateTime >= deadline)
                {
                    // Stop it, then keep polling until Glue says it has ended: a retry must not run beside it.
                    await StopRunAsync(context, input, stepId, active);
                    Log(context, input.RunId, stepId, log => log.JobRunTimedOut(active.GlueRunId, entity.Job, entity.JobTimeout));
                    active = active with { ErrorClass = JobRunState.Timeout.Value, ErrorMessage = $"stopped by the orchestrator: the job ran longer than its timeout of {entity.JobTimeout}" };
                    state = state with { Active = active, TimeoutStopSent = true, ActivePolls = 0 };
                }

                run = await context.ScheduleTask<JobRunSnapshot>(typeof(GetJobRunActivity), request);
                state = state with { ActivePolls = state.ActivePolls + 1 };
            }
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
                active = active with { State = run.State, ExecutionTimeSeconds = run.ExecutionTimeSeconds, DpuSeconds = run.DpuSeconds, Cost = run.Cost ?? active.Cost };
                active = state.TimeoutStopSent ? active : active with { ErrorMessage = run.ErrorMessage };
                state = state with { Active = active };
                Log(context, input.RunId, stepId, log => log.JobRunStateSeen(active.GlueRunId, entity.Job, run.State));
                Publish(Outcome(input, state, StepState.Running));
            }

            if (run.Interrupted && !state.TimeoutStopSent)
            {
                state = EndAttempt(state, active.AsInterrupted(run.CompletedOn ?? context.CurrentUtcDateTime, run.ErrorMessage));
                if (!TryRetryInterrupted(context, input, ref state))
                {
                    return Finish(context, input, state, StepState.Failed);
                }

                continue;
            }

            var gaveUpWaitingForStop = state.TimeoutStopSent && state.ActivePolls >= PollsAfterTimeoutStop;
            if (run.IsTerminal || gaveUpWaitingForStop)
            {
                var succeeded = run.State == JobRunState.Succeeded.Value;
                var errorClass = succeeded ? null : state.TimeoutStopSent ? JobRunState.Timeout.Value : run.State;
                state = EndAttempt(state, active with
                {
                    State = succeeded || !state.TimeoutStopSent ? run.State : JobRunState.Timeout.Value,
                    EndedAt = run.CompletedOn ?? context.CurrentUtcDateTime,
                    ErrorClass = errorClass,
                    ErrorMessage = succeeded ? null : active.ErrorMessage ?? run.ErrorMessage,
                    Details = run.Details,
                    ExecutionTimeSeconds = run.ExecutionTimeSeconds,
                    DpuSeconds = run.DpuSeconds,
                    Cost = run.Cost ?? active.Cost,
                });
                if (succeeded)
                {
                    state = run.Changes is { Error: null } recorded
                        ? WithChanges(state, recorded)
                        : await RecordChangesAsync(context, input, state);
                    return Finish(context, input, state, StepState.Succeeded);
                }

                if (!TryScheduleRetry(context, input, ref state, errorClass!, state.Attempts[^1].ErrorMessage))
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

    /// <summary>The new-data check; a failed one is recorded as the reason the job runs anyway.</summary>
    async Task<EntityJobState> CheckRawDataAsync(OrchestrationContext context, EntityJobInput input, EntityJobState state)
    {
        var entity = input.Entity;
        var stepId = StepIds.Entity(entity.Name);
        var result = await context.ScheduleTask<RawDataCheckResult>(typeof(CheckRawDataActivity),
            new RawDataCheckRequest(input.RunId, stepId, entity.Name, entity.Job, entity.Arguments));
        var check = result.Check;
        if (result.Error is { } error || check is null)
        {
            var code = result.Error?.Code ?? GlueCallError.UnexpectedError;
            var message = result.Error?.Message ?? "no answer";
            Log(context, input.RunId, stepId, log => log.RawDataCheckFailed(entity.Name, code, message));
            check = new RawDataCheck(true, null, null, null, $"the new-data check failed ({code}: {message}), so the job runs");
        }
        else if (!check.HasNewData)
        {
            Log(context, input.RunId, stepId, log => log.JobSkippedNoNewData(entity.Name, check.Basis));
        }

        state = state with { RawData = check };
        Publish(Outcome(input, state, StepState.Running));
        return state;
    }

    /// <summary>
    /// Records the partitions the succeeded attempt wrote in the change feed, before the step reports success. A failed
    /// record is tried again a few times with the poll delays; what still fails becomes a warning on the attempt, never
    /// a failed step (the data is written; running the job again would not help).
    /// </summary>
    async Task<EntityJobState> RecordChangesAsync(OrchestrationContext context, EntityJobInput input, EntityJobState state)
    {
        var attempt = state.Attempts[^1];
        var stepId = StepIds.Entity(input.Entity.Name);
        var request = ChangesRequest(input, attempt.Number, attempt.GlueRunId!);
        for (var tries = 1; ; tries++)
        {
            var recorded = await context.ScheduleTask<PartitionChangesRecorded>(typeof(RecordPartitionChangesActivity), request);
            if (recorded.Error is not { } error)
            {
                return WithChanges(state, recorded);
            }

            var delay = input.Poll.DelayAfter(tries);
            if (error.Permanent || tries >= RecordChangesTries || await WaitUntilAsync(context, context.CurrentUtcDateTime + delay))
            {
                Log(context, input.RunId, stepId, log => log.ChangesNotRecorded(attempt.GlueRunId!, tries, error.Message));
                attempt = attempt with { Warning = $"the partitions this run wrote were not recorded in the change feed: {error.Message}" };
                break;
            }

            Log(context, input.RunId, stepId, log => log.ChangesRecordRetrying(attempt.GlueRunId!, error.Message, delay));
        }

        return state with { Attempts = [.. state.Attempts.Take(state.Attempts.Count - 1), attempt] };
    }

    static RecordPartitionChangesRequest ChangesRequest(EntityJobInput input, int attempt, string glueRunId) =>
        new(input.RunId, StepIds.Entity(input.Entity.Name), input.Entity.Name, input.Entity.Job, input.Entity.Arguments, glueRunId, attempt);

    static EntityJobState WithChanges(EntityJobState state, PartitionChangesRecorded recorded) =>
        state with { Attempts = [.. state.Attempts.Take(state.Attempts.Count - 1), state.Attempts[^1] with { PartitionChanges = recorded.Partitions, Warning = recorded.Warning }] };

    bool TryScheduleRetry(OrchestrationContext context, EntityJobInput input, ref EntityJobState state, string errorClass, string? message)
    {
        // Interrupted attempts were not the job's failures: they do not count against MaxAttempts.
        var attempt = state.Attempts.Count(a => !a.Interrupted);
        if (!input.Entity.Retry.ShouldRetry(attempt, errorClass, message))
        {
            return false;
        }

        var delay = input.Entity.Retry.DelayAfter(attempt, DeterministicDraw.For($"{input.RunId}/{input.Entity.Name}/{attempt}"));
        state = state with { NextAttemptAt = context.CurrentUtcDateTime + delay };
        Log(context, input.RunId, StepIds.Entity(input.Entity.Name), log => log.JobAttemptRetrying(attempt, errorClass, delay));
        Publish(Outcome(input, state, StepState.Running));
        return true;
    }

    /// <summary>After an interrupted attempt: the next one starts at once, unless MaxInterruptedAttempts is spent.</summary>
    bool TryRetryInterrupted(OrchestrationContext context, EntityJobInput input, ref EntityJobState state)
    {
        var interruptions = state.Attempts.Count(a => a.Interrupted);
        var attempts = state.Attempts.Count;
        var stepId = StepIds.Entity(input.Entity.Name);
        if (!input.Entity.Retry.ShouldRetryInterrupted(interruptions))
        {
            Log(context, input.RunId, stepId, log => log.JobInterruptedTooOften(attempts, input.Entity.Job, interruptions, input.Entity.Retry.MaxInterruptedAttempts));
            return false;
        }

        state = state with { NextAttemptAt = null };
        Log(context, input.RunId, stepId, log => log.JobInterrupted(attempts, input.Entity.Job, interruptions, input.Entity.Retry.MaxInterruptedAttempts));
        Publish(Outcome(input, state, StepState.Running));
        return true;
    }

    /// <summary>
    /// A start whose response was lost may have created a run, and the retries after it may all have been refused
    /// (throttled, say): before the step fails, the marker is looked up again, with back-off, so that run is adopted
    /// and watched instead of running on unseen. Found: the run to adopt; else the last lookup's error, if any.
    /// </summary>
    async Task<(StartJobRunResult? Found, GlueCallError? LookupError)> FindLostStartAsync(
        OrchestrationContext context, EntityJobInput input, string stepId, EntityDefinition entity, string marker, DateTime requestedAt)
    {
        GlueCallError? lastError = null;
        for (var lookup = 1; lookup <= LostStartLookups; lookup++)
        {
            var found = await context.ScheduleTask<StartJobRunResult>(typeof(FindJobRunActivity),
                new StartJobRunRequest(input.RunId, stepId, entity.Job, entity.Arguments, marker, requestedAt));
            if (found.Error is null)
            {
                return (found.GlueRunId is null ? null : found, null);
            }

            lastError = found.Error;
            var retryAt = context.CurrentUtcDateTime + entity.Retry.DelayAfter(lookup, DeterministicDraw.For($"{marker}/lookup/{lookup}"));
            if (found.Error.Permanent || lookup == LostStartLookups || await WaitUntilAsync(context, retryAt))
            {
                break;
            }
        }

        return (null, lastError);
    }

    static async Task StopRunAsync(OrchestrationContext context, EntityJobInput input, string stepId, AttemptRecord active) =>
        await context.ScheduleTask<StopResult>(typeof(StopJobRunActivity), new JobRunRequest(input.RunId, stepId, input.Entity.Job, active.GlueRunId!));

    static EntityJobState EndAttempt(EntityJobState state, AttemptRecord attempt) =>
        state with { Attempts = [.. state.Attempts, attempt], Active = null, ActivePolls = 0, TimeoutStopSent = false };

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

    static StepOutcome Outcome(EntityJobInput input, EntityJobState state, StepState stepState, DateTime? endedAt = null)
    {
        var outcome = Outcome(StepIds.Entity(input.Entity.Name), StepKind.EntityJob, input.Entity.Name, input.Entity.Job,
            stepState, state.StartedAt, endedAt, state.Attempts, state.Active);
        return outcome with { RawData = state.RawData };
    }
}
