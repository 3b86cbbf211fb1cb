using Microsoft.Extensions.Logging;
using Orchestrator.Glue;

namespace Orchestrator.Activities.GlueCalls;

/// <summary>The Glue call activities' log events (EventIds 2100–2149); each carries the run and step as scope.</summary>
static partial class GlueCallLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Error, Message = "Glue call {Activity} cannot be made: {ErrorMessage}")]
    public static partial void CallImpossible(this ILogger logger, string activity, string errorMessage);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Glue call {Activity} failed with {ErrorCode}: {ErrorMessage}")]
    public static partial void CallFailed(this ILogger logger, string activity, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Glue call {Activity} failed unexpectedly")]
    public static partial void CallFailedUnexpectedly(this ILogger logger, Exception exception, string activity);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Debug, Message = "Crawler {Crawler}: {StartResult}")]
    public static partial void CrawlerStartOutcome(this ILogger logger, string crawler, CrawlerStartResult startResult);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Asked Glue to stop crawler {Crawler}")]
    public static partial void CrawlerStopRequested(this ILogger logger, string crawler);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "Adopted job run {GlueRunId} of {Job} started earlier for attempt {Marker}")]
    public static partial void JobRunAdopted(this ILogger logger, string glueRunId, string job, string marker);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Debug, Message = "Started job run {GlueRunId} of {Job} for attempt {Marker}")]
    public static partial void JobRunStarted(this ILogger logger, string glueRunId, string job, string marker);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning, Message = "Glue refused to stop job run {GlueRunId}: {ErrorCode} {ErrorMessage}")]
    public static partial void JobRunStopRefused(this ILogger logger, string glueRunId, string errorCode, string? errorMessage);

    [LoggerMessage(EventId = 2123, Level = LogLevel.Information, Message = "Asked Glue to stop job run {GlueRunId} of {Job}")]
    public static partial void JobRunStopRequested(this ILogger logger, string glueRunId, string job);

    [LoggerMessage(EventId = 2760, Level = LogLevel.Debug, Message = "Job run {GlueRunId} of {Job} started; reading it right after failed ({ErrorMessage}), so it is polled")]
    public static partial void JobRunReadAfterStartFailed(this ILogger logger, string glueRunId, string job, string errorMessage);

    [LoggerMessage(EventId = 2750, Level = LogLevel.Information, Message = "Raw data of {Entity} checked: new data {HasNewData} ({Basis})")]
    public static partial void RawDataChecked(this ILogger logger, string entity, bool hasNewData, string basis);
}
