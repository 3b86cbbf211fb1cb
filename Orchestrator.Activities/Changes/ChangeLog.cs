using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Changes;

/// <summary>The change feed's log events (EventIds 2600–2619); the activity's carry the run and step as scope.</summary>
static partial class ChangeLog
{
    [LoggerMessage(EventId = 2600, Level = LogLevel.Information, Message = "Recorded {Recorded} of {Partitions} partition changes of job run {GlueRunId} of {Entity} in the change feed")]
    public static partial void ChangesRecorded(this ILogger logger, int recorded, int partitions, string glueRunId, string entity);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "The partitions job run {GlueRunId} of {Entity} wrote are not fully known: {Warning}")]
    public static partial void ChangesIncomplete(this ILogger logger, string glueRunId, string entity, string warning);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Error, Message = "The partition changes of job run {GlueRunId} were not recorded after {Tries} tries: {ErrorMessage}")]
    public static partial void ChangesNotRecorded(this ILogger logger, string glueRunId, int tries, string errorMessage);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Warning, Message = "Recording the partition changes of job run {GlueRunId} failed ({ErrorMessage}); trying again in {Delay}")]
    public static partial void ChangesRecordRetrying(this ILogger logger, string glueRunId, string errorMessage, TimeSpan delay);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Warning, Message = "Recording the partition changes of job run {GlueRunId} of {Entity} with its last poll failed ({ErrorMessage}); a record step follows")]
    public static partial void ChangesDeferred(this ILogger logger, string glueRunId, string entity, string errorMessage);
}
