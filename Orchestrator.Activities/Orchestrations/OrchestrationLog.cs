using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Orchestrations;

/// <summary>
/// The orchestrations' log events (EventIds 2000–2099: the run 2000–2019, crawler steps 2020–2039, job steps
/// 2040–2059, the run's clean-up 2060 in <see cref="PurgeStepsActivity"/>). Orchestration code writes them through <see cref="ReplaySafeLog"/>, so each is logged once.
/// </summary>
static partial class OrchestrationLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Run of {Pipeline} started ({Kind}, definition {DefinitionHash}, {Entities} entities)")]
    public static partial void RunStarted(this ILogger logger, string pipeline, RunKind kind, string definitionHash, int entities);

    [LoggerMessage(EventId = 2001, Message = "Run of {Pipeline} ended {RunStatus}{Message}")]
    public static partial void RunEnded(this ILogger logger, LogLevel level, string pipeline, RunStatus runStatus, string message);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Run {RunId} is terminating: {Reason}")]
    public static partial void RunTerminating(this ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Information, Message = "The clean data of {Entity} ({Pipeline}) is catalogued {LagSeconds:0} s after the run's slot")]
    public static partial void EntityVisible(this ILogger logger, string pipeline, string entity, double lagSeconds);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "The clean data of {Entity} ({Pipeline}) is not catalogued within the visibility SLA of {VisibilitySla}")]
    public static partial void EntityVisibilityLate(this ILogger logger, string pipeline, string entity, TimeSpan visibilitySla);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Error, Message = "Could not start crawler {Crawler}: {ErrorCode}: {ErrorMessage}")]
    public static partial void CrawlerStartRefused(this ILogger logger, string crawler, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "Could not start crawler {Crawler} ({ErrorCode}: {ErrorMessage}); trying again in {Delay}")]
    public static partial void CrawlerStartDeferred(this ILogger logger, string crawler, string errorCode, string errorMessage, TimeSpan delay);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Crawler {Crawler} was already running; waiting for that crawl")]
    public static partial void CrawlerAttached(this ILogger logger, string crawler);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "Started crawler {Crawler}")]
    public static partial void CrawlerStarted(this ILogger logger, string crawler);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Crawler {Crawler} timed out after {Timeout}")]
    public static partial void CrawlerTimedOut(this ILogger logger, string crawler, TimeSpan timeout);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Error, Message = "Crawler {Crawler} was interrupted by its host going away, {Interruptions} times in all: more than MaxInterruptedAttempts ({MaxInterruptedAttempts})")]
    public static partial void CrawlerInterruptedTooOften(this ILogger logger, string crawler, int interruptions, int maxInterruptedAttempts);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "Crawler {Crawler} was interrupted by its host going away ({Interruptions} of at most {MaxInterruptedAttempts}); crawling again now, outside MaxAttempts")]
    public static partial void CrawlerInterrupted(this ILogger logger, string crawler, int interruptions, int maxInterruptedAttempts);

    [LoggerMessage(EventId = 2027, Message = "Crawler {Crawler} finished: {CrawlStatus}{ErrorMessage}")]
    public static partial void CrawlerFinished(this ILogger logger, LogLevel level, string crawler, string? crawlStatus, string errorMessage);

    [LoggerMessage(EventId = 2028, Level = LogLevel.Warning, Message = "Crawl attempt {Attempt} of {Crawler} ended {ErrorClass}; retrying in {Delay}")]
    public static partial void CrawlRetrying(this ILogger logger, int attempt, string crawler, string? errorClass, TimeSpan delay);

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "Could not start {Job} ({ErrorCode}: {ErrorMessage}); trying again in {Delay}")]
    public static partial void JobStartDeferred(this ILogger logger, string job, string errorCode, string errorMessage, TimeSpan delay);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Error, Message = "Could not start {Job}: {ErrorCode}: {ErrorMessage}")]
    public static partial void JobStartRefused(this ILogger logger, string job, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 2042, Level = LogLevel.Information, Message = "Attempt {Attempt} of {Job} is job run {GlueRunId}{Adopted}")]
    public static partial void JobAttemptStarted(this ILogger logger, int attempt, string job, string? glueRunId, string adopted);

    [LoggerMessage(EventId = 2043, Level = LogLevel.Warning, Message = "Job run {GlueRunId} of {Job} timed out after {JobTimeout}; stopping it")]
    public static partial void JobRunTimedOut(this ILogger logger, string? glueRunId, string job, TimeSpan jobTimeout);

    [LoggerMessage(EventId = 2044, Level = LogLevel.Information, Message = "Job run {GlueRunId} of {Job} is {JobRunState}")]
    public static partial void JobRunStateSeen(this ILogger logger, string? glueRunId, string job, string jobRunState);

    [LoggerMessage(EventId = 2045, Level = LogLevel.Warning, Message = "Attempt {Attempt} ended {ErrorClass}; retrying in {Delay}")]
    public static partial void JobAttemptRetrying(this ILogger logger, int attempt, string? errorClass, TimeSpan delay);

    [LoggerMessage(EventId = 2046, Level = LogLevel.Error, Message = "Attempt {Attempt} of {Job} was interrupted by its host going away, {Interruptions} times in all: more than MaxInterruptedAttempts ({MaxInterruptedAttempts})")]
    public static partial void JobInterruptedTooOften(this ILogger logger, int attempt, string job, int interruptions, int maxInterruptedAttempts);

    [LoggerMessage(EventId = 2047, Level = LogLevel.Warning, Message = "Attempt {Attempt} of {Job} was interrupted by its host going away ({Interruptions} of at most {MaxInterruptedAttempts}); starting the next one now, outside MaxAttempts")]
    public static partial void JobInterrupted(this ILogger logger, int attempt, string job, int interruptions, int maxInterruptedAttempts);

    [LoggerMessage(EventId = 2751, Level = LogLevel.Information, Message = "No new data for {Entity}: the job is not started ({Basis})")]
    public static partial void JobSkippedNoNewData(this ILogger logger, string entity, string basis);

    [LoggerMessage(EventId = 2752, Level = LogLevel.Warning, Message = "The new-data check of {Entity} failed ({ErrorCode}: {ErrorMessage}); the job runs")]
    public static partial void RawDataCheckFailed(this ILogger logger, string entity, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 2753, Level = LogLevel.Information, Message = "Every entity of {Pipeline} was skipped for no new data: the clean crawl is skipped too")]
    public static partial void CleanCrawlSkippedNoNewData(this ILogger logger, string pipeline);
}
