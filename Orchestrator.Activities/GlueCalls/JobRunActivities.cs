using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Costs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.GlueCalls;

/// <summary>
/// A start of the attempt tagged <see cref="Marker"/>. <see cref="RecordChanges"/>: read the run once it is started
/// (or adopted) and, when it is already SUCCEEDED, record what it wrote; its GlueRunId is filled in by the start.
/// </summary>
public sealed record StartJobRunRequest(
    string RunId, string Step, string Job, IReadOnlyDictionary<string, string> Arguments, string Marker, DateTime RequestedAt,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] RecordPartitionChangesRequest? RecordChanges = null) : IStepRequest;

/// <summary>
/// A started (or adopted) run; <see cref="Run"/>: its state read right after, when asked for and the read worked, so a
/// run that has already ended ends the step without a timer and a poll (two orchestration turns and one activity).
/// </summary>
public sealed record StartJobRunResult(
    string? GlueRunId, bool Adopted, GlueCallError? Error,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] JobRunSnapshot? Run = null);

/// <summary>
/// Starts a job run tagged with the attempt's marker. Before starting it looks for a run with that marker: if this
/// activity already started one before a crash, that run is adopted instead of starting a second. Asked to, it then
/// reads the run once (an adopted run's state comes with the lookup); a failed read never fails the start, whose run
/// id must reach the orchestration.
/// </summary>
public sealed class StartJobRunActivity(IGlueBackend glue, ILogger<StartJobRunActivity> logger, GlueCostCalculator? costs = null,
    PartitionChangeFeed? feed = null, TimeProvider? time = null) : GlueActivity<StartJobRunRequest, StartJobRunResult>(glue, logger)
{
    readonly JobRunReader reader = new(glue, logger, costs, feed, time);

    protected override async Task<StartJobRunResult> CallAsync(StartJobRunRequest input, CancellationToken cancellationToken)
    {
        var existing = await Glue.FindJobRunByMarkerAsync(input.Job, input.Marker, input.RequestedAt.AddMinutes(-5), cancellationToken);
        if (existing is not null)
        {
            Logger.JobRunAdopted(existing.Id, input.Job, input.Marker);
            return new StartJobRunResult(existing.Id, Adopted: true, null, await ReadAsync(input, existing.Id, existing, cancellationToken));
        }

        var started = await Glue.StartJobRunAsync(input.Job, input.Arguments, input.Marker, cancellationToken);
        Logger.JobRunStarted(started.RunId, input.Job, input.Marker);
        return new StartJobRunResult(started.RunId, started.Adopted, null, await ReadAsync(input, started.RunId, null, cancellationToken));
    }

    protected override StartJobRunResult Failed(GlueCallError error) => new(null, false, error);

    async Task<JobRunSnapshot?> ReadAsync(StartJobRunRequest input, string glueRunId, GlueJobRun? known, CancellationToken cancellationToken)
    {
        if (input.RecordChanges is not { } record)
        {
            return null;
        }

        try
        {
            var run = known ?? await Glue.GetJobRunAsync(input.Job, glueRunId, cancellationToken);
            return await reader.SnapshotAsync(run, record with { GlueRunId = glueRunId }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // The orchestration polls it as before.
            Logger.JobRunReadAfterStartFailed(glueRunId, input.Job, ex.Message);
            return null;
        }
    }
}

/// <summary>
/// Looks a start's marker up without starting anything: after the starts of an attempt were refused, a run one of them
/// created before its response was lost is found here (<see cref="StartJobRunResult.GlueRunId"/> null: none).
/// </summary>
public sealed class FindJobRunActivity(IGlueBackend glue, ILogger<FindJobRunActivity> logger) : GlueActivity<StartJobRunRequest, StartJobRunResult>(glue, logger)
{
    protected override async Task<StartJobRunResult> CallAsync(StartJobRunRequest input, CancellationToken cancellationToken)
    {
        var existing = await Glue.FindJobRunByMarkerAsync(input.Job, input.Marker, input.RequestedAt.AddMinutes(-5), cancellationToken);
        if (existing is not null)
        {
            Logger.JobRunAdopted(existing.Id, input.Job, input.Marker);
        }

        return new StartJobRunResult(existing?.Id, Adopted: existing is not null, null);
    }

    protected override StartJobRunResult Failed(GlueCallError error) => new(null, false, error);
}

/// <summary>A job run to read or stop; <see cref="RecordChanges"/>: when the read finds it SUCCEEDED, record what it wrote.</summary>
public sealed record JobRunRequest(string RunId, string Step, string Job, string GlueRunId, RecordPartitionChangesRequest? RecordChanges = null) : IStepRequest;

/// <summary>A job run's state as the orchestration records it, with what it is billed so far (<see cref="Cost"/>).</summary>
public sealed record JobRunSnapshot(
    string State,
    string? ErrorMessage,
    DateTime? StartedOn,
    DateTime? CompletedOn,
    int ExecutionTimeSeconds,
    double? DpuSeconds,
    JobRunDetails? Details,
    GlueCallError? Error,
    bool Interrupted = false,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] AttemptCost? Cost = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] PartitionChangesRecorded? Changes = null)
{
    [JsonIgnore]
    public bool IsTerminal => JobRunState.Create(State).IsTerminal;
}

/// <summary>
/// Reads a job run; its cost is priced here, where the configured prices are, so the orchestration records it as is.
/// The read that finds the run SUCCEEDED also records its partition changes when asked: one activity and one
/// GetJobRun fewer per job than recording after it. A recording that fails here is left to
/// <see cref="RecordPartitionChangesActivity"/> and its retries; it never fails the read.
/// </summary>
public sealed class GetJobRunActivity(IGlueBackend glue, ILogger<GetJobRunActivity> logger, GlueCostCalculator? costs = null,
    PartitionChangeFeed? feed = null, TimeProvider? time = null) : GlueActivity<JobRunRequest, JobRunSnapshot>(glue, logger)
{
    readonly JobRunReader reader = new(glue, logger, costs, feed, time);

    protected override async Task<JobRunSnapshot> CallAsync(JobRunRequest input, CancellationToken cancellationToken) =>
        await reader.SnapshotAsync(await Glue.GetJobRunAsync(input.Job, input.GlueRunId, cancellationToken), input.RecordChanges, cancellationToken);

    protected override JobRunSnapshot Failed(GlueCallError error) => new(string.Empty, error.Message, null, null, 0, null, null, error);
}

/// <summary>
/// A job run as the orchestration records it, for a poll and for the read after a start alike: priced here, where
/// the configured prices are, and with its partition changes recorded when it is SUCCEEDED and that is asked for.
/// A recording that fails here is left to <see cref="RecordPartitionChangesActivity"/> and its retries.
/// </summary>
sealed class JobRunReader(IGlueBackend glue, ILogger logger, GlueCostCalculator? costs, PartitionChangeFeed? feed, TimeProvider? time)
{
    readonly GlueCostCalculator costs = costs ?? GlueCostCalculator.Default;

    public async Task<JobRunSnapshot> SnapshotAsync(GlueJobRun run, RecordPartitionChangesRequest? record, CancellationToken cancellationToken)
    {
        var changes = run.State == JobRunState.Succeeded && record is not null && feed is not null
            ? await TryRecordChangesAsync(record, run, feed, cancellationToken)
            : null;
        return new JobRunSnapshot(run.State.Value, run.ErrorMessage, run.StartedOn?.UtcDateTime, run.CompletedOn?.UtcDateTime,
            run.ExecutionTimeSeconds, run.DpuSeconds, run.Details, null, run.Interrupted,
            costs.ForJobRun(run.ExecutionTimeSeconds, run.DpuSeconds, run.Capacity), changes);
    }

    async Task<PartitionChangesRecorded?> TryRecordChangesAsync(RecordPartitionChangesRequest record, GlueJobRun run, PartitionChangeFeed feed, CancellationToken cancellationToken)
    {
        try
        {
            return await RecordPartitionChangesActivity.RecordAsync(glue, feed, time ?? TimeProvider.System, logger, record, run, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.ChangesDeferred(run.Id, record.Entity, ex.Message);
            return null;
        }
    }
}

public sealed record StopResult(GlueCallError? Error);

/// <summary>Asks Glue to stop a job run (a timeout or a terminated run); per-run refusals are reported, not thrown.</summary>
public sealed class StopJobRunActivity(IGlueBackend glue, ILogger<StopJobRunActivity> logger) : GlueActivity<JobRunRequest, StopResult>(glue, logger)
{
    protected override async Task<StopResult> CallAsync(JobRunRequest input, CancellationToken cancellationToken)
    {
        var errors = await Glue.StopJobRunsAsync(input.Job, [input.GlueRunId], cancellationToken);
        if (errors.FirstOrDefault() is { } error)
        {
            Logger.JobRunStopRefused(input.GlueRunId, error.ErrorCode, error.ErrorMessage);
            return new StopResult(new GlueCallError(error.ErrorCode, error.ErrorMessage ?? error.ErrorCode, Permanent: false));
        }

        Logger.JobRunStopRequested(input.GlueRunId, input.Job);
        return new StopResult(null);
    }

    protected override StopResult Failed(GlueCallError error) => new(error);
}
