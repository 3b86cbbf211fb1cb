using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.Serializing;

namespace Orchestrator.Host.Scheduling;

/// <summary>Reads and changes pipelines' schedule state (pause/resume) in the durable store.</summary>
public sealed class ScheduleStateStore(IOrchestrationServiceClient client, TimeProvider time)
{
    static readonly string Name = NameVersionHelper.GetDefaultName(typeof(ScheduleStateOrchestration));
    readonly TaskHubClient hub = new(client);

    public async Task<ScheduleState?> GetAsync(string pipeline)
    {
        var state = await client.GetOrchestrationStateAsync(ScheduleStateOrchestration.InstanceId(pipeline), executionId: null);
        return state?.Input is { } input ? JsonDataConverter.Default.Deserialize<ScheduleState>(input) : null;
    }

    public async Task<ScheduleState> SetAsync(string pipeline, bool paused, string? reason, CancellationToken cancellationToken)
    {
        var id = ScheduleStateOrchestration.InstanceId(pipeline);
        var state = new ScheduleState(paused, time.GetUtcNow().UtcDateTime, reason);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await hub.CreateOrchestrationInstanceAsync(Name, string.Empty, id, state, tags: null, dedupeStatuses: null);
                return state;
            }
            catch (OrchestrationAlreadyExistsException) when (attempt < 3)
            {
                // The previous change is still being recorded; it completes within moments.
                await client.WaitForOrchestrationAsync(id, executionId: null, TimeSpan.FromSeconds(10), cancellationToken);
            }
        }
    }
}
