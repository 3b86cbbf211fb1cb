using DurableTask.Core;
using DurableTask.Core.Query;

namespace Orchestrator.Storage;

/// <summary>
/// The four DurableTask.Core store interfaces with the defaults every store shares, so a concrete store reads
/// as "what is different about this storage". No extended sessions; events raised during ContinueAsNew carry
/// over to the new execution.
/// </summary>
public abstract class OrchestrationServiceBase :
    IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServicePurgeClient, IOrchestrationServiceQueryClient
{
    public virtual int TaskOrchestrationDispatcherCount => 1;

    public virtual int TaskActivityDispatcherCount => 1;

    public abstract int MaxConcurrentTaskOrchestrationWorkItems { get; }

    public abstract int MaxConcurrentTaskActivityWorkItems { get; }

    public virtual BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => BehaviorOnContinueAsNew.Carryover;

    public virtual bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => false;

    public virtual int GetDelayInSecondsAfterOnFetchException(Exception exception) =>
        exception is OperationCanceledException ? 0 : 1;

    public virtual int GetDelayInSecondsAfterOnProcessException(Exception exception) =>
        exception is OperationCanceledException ? 0 : 1;

    public virtual Task CreateAsync() => CreateAsync(recreateInstanceStore: false);

    public abstract Task CreateAsync(bool recreateInstanceStore);

    public virtual Task CreateIfNotExistsAsync() => CreateAsync(recreateInstanceStore: false);

    public abstract Task StartAsync();

    public virtual Task StopAsync() => StopAsync(isForced: false);

    public abstract Task StopAsync(bool isForced);

    public virtual Task DeleteAsync() => DeleteAsync(deleteInstanceStore: true);

    public abstract Task DeleteAsync(bool deleteInstanceStore);

    public abstract Task<TaskOrchestrationWorkItem?> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken);

    public abstract Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem);

    public abstract Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState);

    public abstract Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem);

    public abstract Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem);

    public abstract Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken);

    public abstract Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem);

    public abstract Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage);

    public abstract Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem);

    public virtual Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) =>
        CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses: null);

    public abstract Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[]? dedupeStatuses);

    public virtual Task SendTaskOrchestrationMessageAsync(TaskMessage message) =>
        SendTaskOrchestrationMessageBatchAsync(message);

    public abstract Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages);

    public abstract Task<OrchestrationState?> WaitForOrchestrationAsync(string instanceId, string? executionId, TimeSpan timeout, CancellationToken cancellationToken);

    public abstract Task ForceTerminateTaskOrchestrationAsync(string instanceId, string? reason);

    public virtual async Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions)
    {
        // Only the current execution is kept: ContinueAsNew replaces the previous one.
        var state = await GetOrchestrationStateAsync(instanceId, executionId: null);
        return state is null ? [] : [state];
    }

    public abstract Task<OrchestrationState?> GetOrchestrationStateAsync(string instanceId, string? executionId);

    public abstract Task<string> GetOrchestrationHistoryAsync(string instanceId, string? executionId);

    public abstract Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType);

    public abstract Task<PurgeResult> PurgeInstanceStateAsync(string instanceId);

    public abstract Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter);

    public abstract Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken);
}
