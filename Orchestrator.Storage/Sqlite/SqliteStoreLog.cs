using Microsoft.Extensions.Logging;

namespace Orchestrator.Storage.Sqlite;

/// <summary>The SQLite store's log events (EventIds 5000–5099).</summary>
static partial class SqliteStoreLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "Renewing the lease of worker {WorkerId} failed")]
    public static partial void LeaseRenewalFailed(this ILogger logger, Exception exception, string workerId);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Worker {DeadWorkerId} was a process of this machine that is gone; its locks are released")]
    public static partial void DeadWorkerReleased(this ILogger logger, string deadWorkerId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Dropped {Count} messages sent to orchestration instances that do not exist")]
    public static partial void MessagesToMissingInstancesDropped(this ILogger logger, int count);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Dropped the result of activity work item {WorkItemId} for {InstanceId}: its lock was lost")]
    public static partial void ActivityResultDropped(this ILogger logger, string workItemId, string instanceId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Abandoned activity work item {WorkItemId}; retried after {RetryAt:o}")]
    public static partial void ActivityAbandoned(this ILogger logger, string workItemId, DateTime retryAt);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Dropped {Count} messages for ended executions of {InstanceId}")]
    public static partial void StaleMessagesDropped(this ILogger logger, int count, string instanceId);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Dropped a {EventType} message for {InstanceId}, which does not exist")]
    public static partial void MessageToMissingInstanceDropped(this ILogger logger, string eventType, string instanceId);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Abandoned orchestration work item {InstanceId}; its messages are retried after {RetryAt:o}")]
    public static partial void OrchestrationAbandoned(this ILogger logger, string instanceId, DateTime retryAt);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Debug, Message = "Ended the extended session of {InstanceId}: more than {MaxSessions} sessions, and it was the least recently used")]
    public static partial void SessionEvicted(this ILogger logger, string instanceId, int maxSessions);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "The extended session of {InstanceId} lost its lock to another worker; it ends without writing")]
    public static partial void SessionLockLost(this ILogger logger, string instanceId);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "Ended the extended session of {InstanceId}: every orchestration slot was taken and another instance had work ready")]
    public static partial void SessionGaveWay(this ILogger logger, string instanceId);
}
