using DurableTask.Core;
using DurableTask.Core.History;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// A finished orchestration instance as the store keeps it, for <see cref="SqliteOrchestrationService.ImportFinishedAsync"/>.
/// <see cref="Input"/>, <see cref="Output"/> and <see cref="CustomStatus"/> are the texts DurableTask.Core's data
/// converter writes; <see cref="History"/>, when given, is the execution's history in order (a run that purges its
/// steps keeps none, so it is usually empty).
/// </summary>
public sealed record FinishedInstance(
    string InstanceId,
    string ExecutionId,
    string Name,
    OrchestrationStatus Status,
    DateTime CreatedTime,
    DateTime CompletedTime,
    string? Input,
    string? Output,
    string? CustomStatus,
    IReadOnlyDictionary<string, string>? Tags = null,
    IReadOnlyList<HistoryEvent>? History = null)
{
    public string Version { get; init; } = string.Empty;
}
