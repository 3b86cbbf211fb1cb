using DurableTask.Core.History;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Storage.Sqlite;

// The store's work-item logs: event ids 5100-5199 of the Storage range.
public sealed partial class SqliteOrchestrationService
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "Ended the extended session of {InstanceId}: more than {MaxSessions} sessions, and it was the least recently used")]
    partial void LogSessionEvicted(string instanceId, int maxSessions);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "The extended session of {InstanceId} lost its lock to another worker; it ends without writing")]
    partial void LogSessionLockLost(string instanceId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "Dropped {Count} messages for ended executions of {InstanceId}")]
    partial void LogStaleMessagesDropped(int count, string instanceId);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Dropped a {EventType} message for {InstanceId}, which does not exist")]
    partial void LogMessageForMissingInstanceDropped(EventType eventType, string instanceId);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Abandoned orchestration work item {InstanceId}; its messages are retried after {RetryAt:o}")]
    partial void LogOrchestrationAbandoned(string instanceId, DateTime retryAt);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Dropped the result of activity work item {WorkItemId} for {InstanceId}: its lock was lost")]
    partial void LogActivityResultDropped(string workItemId, string instanceId);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Abandoned activity work item {WorkItemId}; retried after {RetryAt:o}")]
    partial void LogActivityAbandoned(string workItemId, DateTime retryAt);
}
