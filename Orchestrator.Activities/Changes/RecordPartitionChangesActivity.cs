using Microsoft.Extensions.Logging;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Changes;

/// <summary>What a succeeded job attempt wrote, to record: the run, the entity and its Glue run.</summary>
public sealed record RecordPartitionChangesRequest(
    string RunId, string Step, string Entity, string Job, IReadOnlyDictionary<string, string> Arguments, string GlueRunId, int Attempt) : IStepRequest;

/// <summary>How many partitions the run wrote, how many of them were new to the feed, and why the list may be incomplete.</summary>
public sealed record PartitionChangesRecorded(int Partitions, int Recorded, string? Warning, GlueCallError? Error);

/// <summary>
/// Records the partitions a succeeded job run wrote in the change feed, after the attempt ended. It may run twice for
/// one attempt (a crash between its append and the run's next checkpoint): the feed skips changes it already holds,
/// so nothing is lost and nothing doubled. A missing or unreadable record of the partitions is a warning on the step.
/// </summary>
public sealed class RecordPartitionChangesActivity(IGlueBackend glue, PartitionChangeFeed feed, TimeProvider time, ILogger<RecordPartitionChangesActivity> logger)
    : GlueActivity<RecordPartitionChangesRequest, PartitionChangesRecorded>(glue, logger)
{
    protected override async Task<PartitionChangesRecorded> CallAsync(RecordPartitionChangesRequest input, CancellationToken cancellationToken) =>
        await RecordAsync(Glue, feed, time, Logger, input, await Glue.GetJobRunAsync(input.Job, input.GlueRunId, cancellationToken), cancellationToken);

    /// <summary>Records what <paramref name="run"/>, read as SUCCEEDED, wrote; the last poll of an attempt calls it too.</summary>
    internal static async Task<PartitionChangesRecorded> RecordAsync(IGlueBackend glue, PartitionChangeFeed feed, TimeProvider time, ILogger logger,
        RecordPartitionChangesRequest input, GlueJobRun run, CancellationToken cancellationToken)
    {
        var output = await glue.GetJobRunOutputAsync(input.Job, run, cancellationToken);
        if (output.Warning is { } warning)
        {
            logger.ChangesIncomplete(input.GlueRunId, input.Entity, warning);
        }

        if (output.Partitions.Count == 0)
        {
            return new PartitionChangesRecorded(0, 0, output.Warning, null);
        }

        var database = Argument(run.Arguments, input.Arguments, GlueArguments.CleanDatabase)
            ?? (await glue.GetJobAsync(input.Job, cancellationToken)).DefaultArguments.GetValueOrDefault(GlueArguments.CleanDatabase);
        var table = Argument(run.Arguments, input.Arguments, GlueArguments.TargetEntity) ?? input.Entity;
        var now = time.GetUtcNow().UtcDateTime;
        var slot = RunIds.SlotOf(input.RunId) ?? run.StartedOn?.UtcDateTime ?? now;
        var changes = output.Partitions.Select(p => new PartitionChange(
            0, RunIds.PipelineOf(input.RunId), input.Entity, database, table, p.Partition, p.Added ? PartitionChangeKind.Added : PartitionChangeKind.Updated,
            p.Rows, p.Files, input.RunId, input.Attempt, input.GlueRunId, run.CompletedOn?.UtcDateTime ?? now, now, slot, PartitionLateness.Days(p.Partition, slot))).ToList();
        var recorded = await feed.RecordAsync(changes, cancellationToken);
        logger.ChangesRecorded(recorded, changes.Count, input.GlueRunId, input.Entity);
        return new PartitionChangesRecorded(changes.Count, recorded, output.Warning, null);
    }

    protected override PartitionChangesRecorded Failed(GlueCallError error) => new(0, 0, null, error);

    static string? Argument(IReadOnlyDictionary<string, string> run, IReadOnlyDictionary<string, string> configured, string name) =>
        run.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value
        : configured.TryGetValue(name, out value) && !string.IsNullOrWhiteSpace(value) ? value
        : null;
}
