using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Orchestrations;

public sealed record CrawlerRunInput(
    string RunId, string StepId, StepKind Kind, string Crawler, PollPolicy Poll, TimeSpan Timeout, CrawlerRunState? State = null,
    RetryPolicy? Retry = null);

/// <summary>Where a crawler step stands; carried across ContinueAsNew.</summary>
public sealed record CrawlerRunState(
    DateTime StartedAt,
    IReadOnlyList<AttemptRecord> Attempts,
    AttemptRecord? Active,
    DateTime? PreviousCrawlStart,
    bool Attached,
    int ActivePolls,
    int TransientErrors,
    DateTime? NextAttemptAt = null,
    int Attaches = 0,
    CrawlRate? Rate = null);

/// <summary>
/// One crawl, retried per the pipeline's retry policy (or its CrawlerRetry override) with the same rules as jobs: a
/// configuration error fails at once, a failed or timed-out crawl is tried again after the policy's delay, and a
/// crawl interrupted by the orchestrator's own host going away is tried again at once, outside MaxAttempts. A crawl
/// already in progress is attached to, never stopped: it is waited for and then the crawler is started again, so the
/// crawl includes the data that arrived after it began. Glue returns no crawl id, so our crawl is the first whose
/// start time is later than the last one seen before starting; it is polled with durable timers until the crawler is
/// READY again, and stopped when it outlives the crawler timeout.
/// </summary>
public sealed class CrawlerRunOrchestration(ILoggerFactory? loggerFactory = null) : StepOrchestration<CrawlerRunInput>(loggerFactory)
{
    const int MaxAttaches = 3;

    /// <summary>How a crawl attempt ended when the run stopped it (crawlers have no STOPPED state of their own).</summary>
    const string StoppedState = "STOPPED";
    const string AttachedMessage = "a crawl was already running: waiting for it, then crawling again";

    public CrawlerRunOrchestration()
        : this(null)
    {
    }

    public override async Task<StepOutcome> RunTask(OrchestrationContext context, CrawlerRunInput input)
    {
        var state = input.State ?? new CrawlerRunState(context.CurrentUtcDateTime, [], null, null, false, 0, 0);
        var retry = input.Retry ?? RetryPolicy.Default;
        var request = new CrawlerRequest(input.RunId, input.StepId, input.Crawler);
        var polls = 0;
        Publish(Outcome(input, state, StepState.Running));

        while (true)
        {
            if (StopRequested)
            {
                return await StopAsync(context, input, state, request);
            }

            if (state.Active is null)
            {
                if (state.NextAttemptAt is { } retryAt)
                {
                    if (await WaitUntilAsync(context, retryAt))
                    {
                        return await StopAsync(context, input, state, request);
                    }

                    state = state with { NextAttemptAt = null };
                }

                var before = await context.ScheduleTask<CrawlerSnapshot>(typeof(GetCrawlerActivity), request);
                var start = before.Error is null
                    ? await context.ScheduleTask<CrawlerStartOutcome>(typeof(StartCrawlerActivity), request)
                    : new CrawlerStartOutcome(false, before.Error);
                if (start.Error is { } error)
                {
                    // A start Glue refused for now (throttling, a busy catalog) is retried as a job start is.
                    var failures = state.TransientErrors + 1;
                    if (error.Permanent || !retry.ShouldRetry(failures, error.Code, error.Message))
                    {
                        var failed = new AttemptRecord(state.Attempts.Count + 1, null, AttemptStates.StartFailed, context.CurrentUtcDateTime, context.CurrentUtcDateTime, error.Code, error.Message);
                        Log(context, input.RunId, input.StepId, log => log.CrawlerStartRefused(input.Crawler, error.Code, error.Message));
                        return Finish(context, input, state with { Attempts = [.. state.Attempts, failed] }, StepState.Failed);
                    }

                    var delay = retry.DelayAfter(failures, DeterministicDraw.For($"{input.RunId}/{input.StepId}/start/{failures}"));
                    state = state with { TransientErrors = failures, NextAttemptAt = context.CurrentUtcDateTime + delay };
                    Log(context, input.RunId, input.StepId, log => log.CrawlerStartDeferred(input.Crawler, error.Code, error.Message, delay));
                    continue;
                }

                var attached = start.AlreadyRunning;
                var attempt = new AttemptRecord(state.Attempts.Count + 1, null, attached ? AttemptStates.Attached : CrawlerState.Running.Value, context.CurrentUtcDateTime, null, null,
                    attached ? AttachedMessage : null);
                state = state with
                {
                    Active = attempt,
                    Attached = attached,
                    Attaches = attached ? state.Attaches + 1 : 0,
                    PreviousCrawlStart = before.LastCrawlStartTime,
                    Rate = before.Rate ?? state.Rate,
                    ActivePolls = 0,
                    TransientErrors = 0,
                };
                Log(context, input.RunId, input.StepId, log =>
                {
                    if (attached)
                    {
                        log.CrawlerAttached(input.Crawler);
                    }
                    else
                    {
                        log.CrawlerStarted(input.Crawler);
                    }
                });
                Publish(Outcome(input, state, StepState.Running));
            }

            // The timeout counts per attempt, as a job's does.
            var deadline = state.Active!.StartedAt!.Value + input.Timeout;
            var wakeAt = context.CurrentUtcDateTime + input.Poll.DelayAfter(state.ActivePolls);
            if (await WaitUntilAsync(context, wakeAt < deadline ? wakeAt : deadline))
            {
                return await StopAsync(context, input, state, request);
            }

            if (context.CurrentUtcDateTime >= deadline)
            {
                // A crawl we only attached to belongs to someone else: give up waiting, but leave it running.
                if (!state.Attached)
                {
                    await context.ScheduleTask<StopResult>(typeof(StopCrawlerActivity), request);
                }

                var message = state.Attached
                    ? $"gave up waiting for a crawl already in progress after the crawler timeout of {input.Timeout}"
                    : $"stopped by the orchestrator: the crawl ran longer than its timeout of {input.Timeout}";
                Log(context, input.RunId, input.StepId, log => log.CrawlerTimedOut(input.Crawler, input.Timeout));
                state = EndAttempt(state, "TIMEOUT", "TIMEOUT", message, context.CurrentUtcDateTime);
                if (!TryScheduleRetry(context, input, retry, ref state, "TIMEOUT", message))
                {
                    return Finish(context, input, state, StepState.Failed);
                }

                continue;
            }

            var crawler = await context.ScheduleTask<CrawlerSnapshot>(typeof(GetCrawlerActivity), request);
            state = state with { ActivePolls = state.ActivePolls + 1 };
            if (crawler.Error is { } pollError)
            {
                if (pollError.Permanent)
                {
                    return Finish(context, input, EndAttempt(state, "ERROR", pollError.Code, pollError.Message, context.CurrentUtcDateTime), StepState.Failed);
                }

                continue;
            }

            var newCrawl = crawler.LastCrawlStartTime is { } started && (state.PreviousCrawlStart is null || started > state.PreviousCrawlStart);
            if (crawler.IsReady && state.Attached)
            {
                // The crawl we waited for is over; now crawl again for the data that arrived meanwhile.
                var tooBusy = state.Attaches >= MaxAttaches;
                state = EndAttempt(state, crawler.LastCrawlStatus ?? "UNKNOWN", tooBusy ? GlueErrorCodes.CrawlerRunning : null,
                    tooBusy ? $"the crawler was already running {MaxAttaches} times in a row: something else keeps starting it" : state.Active!.ErrorMessage,
                    context.CurrentUtcDateTime);
                if (tooBusy)
                {
                    return Finish(context, input, state, StepState.Failed);
                }

                continue;
            }

            if (crawler.IsReady && newCrawl)
            {
                var active = state.Active! with { StartedAt = crawler.LastCrawlStartTime };
                if (crawler.LastCrawlInterrupted)
                {
                    state = state with { Attempts = [.. state.Attempts, active.AsInterrupted(context.CurrentUtcDateTime, crawler.LastCrawlError)], Active = null, ActivePolls = 0 };
                    var interruptions = state.Attempts.Count(a => a.Interrupted);
                    if (!retry.ShouldRetryInterrupted(interruptions))
                    {
                        Log(context, input.RunId, input.StepId, log => log.CrawlerInterruptedTooOften(input.Crawler, interruptions, retry.MaxInterruptedAttempts));
                        return Finish(context, input, state, StepState.Failed);
                    }

                    Log(context, input.RunId, input.StepId, log => log.CrawlerInterrupted(input.Crawler, interruptions, retry.MaxInterruptedAttempts));
                    Publish(Outcome(input, state, StepState.Running));
                    continue;
                }

                // COMPLETED is ListCrawls' word for a finished crawl, and what moto reports in LastCrawl.
                var succeeded = crawler.LastCrawlStatus == CrawlStatus.Succeeded.Value || crawler.LastCrawlStatus == "COMPLETED";
                var status = crawler.LastCrawlStatus ?? "UNKNOWN";
                state = EndAttempt(state with { Active = active }, status, succeeded ? null : status, crawler.LastCrawlError, context.CurrentUtcDateTime);
                Log(context, input.RunId, input.StepId, log => log.CrawlerFinished(succeeded ? LogLevel.Information : LogLevel.Error, input.Crawler, crawler.LastCrawlStatus, crawler.LastCrawlError is { } crawlError ? $" ({crawlError})" : string.Empty));
                if (succeeded)
                {
                    return Finish(context, input, state, StepState.Succeeded);
                }

                if (!TryScheduleRetry(context, input, retry, ref state, status, crawler.LastCrawlError))
                {
                    return Finish(context, input, state, StepState.Failed);
                }

                continue;
            }

            if (crawler.State != state.Active!.State && !state.Attached)
            {
                state = state with { Active = state.Active with { State = crawler.State } };
                Publish(Outcome(input, state, StepState.Running));
            }

            if (++polls >= PollsPerExecution)
            {
                context.ContinueAsNew(input with { State = state });
                return Outcome(input, state, StepState.Running);
            }
        }
    }

    /// <summary>After a failed crawl of ours: the next one after the policy's delay, unless the policy says no.</summary>
    bool TryScheduleRetry(OrchestrationContext context, CrawlerRunInput input, RetryPolicy retry, ref CrawlerRunState state, string errorClass, string? message)
    {
        // Waiting for someone else's crawl, and crawls its host going away interrupted, are not failures of ours.
        var attempt = state.Attempts.Count(a => !a.Interrupted && a.ErrorMessage != AttachedMessage);
        if (!retry.ShouldRetry(attempt, errorClass, message))
        {
            return false;
        }

        var delay = retry.DelayAfter(attempt, DeterministicDraw.For($"{input.RunId}/{input.StepId}/{attempt}"));
        state = state with { NextAttemptAt = context.CurrentUtcDateTime + delay };
        var attempts = state.Attempts.Count;
        Log(context, input.RunId, input.StepId, log => log.CrawlRetrying(attempts, input.Crawler, errorClass, delay));
        Publish(Outcome(input, state, StepState.Running));
        return true;
    }

    async Task<StepOutcome> StopAsync(OrchestrationContext context, CrawlerRunInput input, CrawlerRunState state, CrawlerRequest request)
    {
        if (state.Active is not null)
        {
            if (!state.Attached)
            {
                await context.ScheduleTask<StopResult>(typeof(StopCrawlerActivity), request);
            }

            state = EndAttempt(state, StoppedState, StoppedState, StopReason, context.CurrentUtcDateTime);
        }

        return Finish(context, input, state, StepState.Stopped);
    }

    /// <summary>
    /// Ends the active attempt. A crawl of ours is billed from its start to now with the ten-minute minimum; one we only
    /// waited for is someone else's and costs this run nothing.
    /// </summary>
    static CrawlerRunState EndAttempt(CrawlerRunState state, string finalState, string? errorClass, string? message, DateTime? endedAt) =>
        state with
        {
            Attempts =
            [
                .. state.Attempts,
                state.Active! with
                {
                    State = finalState,
                    EndedAt = endedAt,
                    ErrorClass = errorClass,
                    ErrorMessage = message,
                    Cost = state.Attached || state.Active.StartedAt is not { } start || endedAt is not { } end
                        ? null
                        : AttemptCost.ForCrawl(end - start, state.Rate ?? CrawlRate.Default),
                },
            ],
            Active = null,
            Attached = false,
            ActivePolls = 0,
        };

    StepOutcome Finish(OrchestrationContext context, CrawlerRunInput input, CrawlerRunState state, StepState final) =>
        Finish(Outcome(input, state, final, context.CurrentUtcDateTime));

    static StepOutcome Outcome(CrawlerRunInput input, CrawlerRunState state, StepState stepState, DateTime? endedAt = null) =>
        Outcome(input.StepId, input.Kind, StepName(input), input.Crawler, stepState, state.StartedAt, endedAt, state.Attempts, state.Active);

    /// <summary>A lane's crawl is named by its entity (as its job is); the pipeline's crawlers by the crawler.</summary>
    static string StepName(CrawlerRunInput input) =>
        input.Kind == StepKind.EntityCleanCrawler ? input.StepId[StepIds.EntityCleanCrawlerPrefix.Length..] : input.Crawler;
}
