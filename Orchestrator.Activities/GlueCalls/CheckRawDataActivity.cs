using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Plans;
using Orchestrator.Glue;

namespace Orchestrator.Activities.GlueCalls;

public sealed record RawDataCheckRequest(string RunId, string Step, string Entity, string Job, IReadOnlyDictionary<string, string> Arguments) : IStepRequest;

public sealed record RawDataCheckResult(RawDataCheck? Check, GlueCallError? Error);

/// <summary>
/// Asks the backend whether the entity's raw data holds anything its job has not processed, given when the run of
/// the entity's last succeeded job started (from the run records, shared by the run's checks: <see cref="RunCutoffs"/>;
/// the local engine answers from its bookmarks).
/// </summary>
public sealed class CheckRawDataActivity(IGlueBackend glue, RunCutoffs cutoffs, ILogger<CheckRawDataActivity> logger)
    : GlueActivity<RawDataCheckRequest, RawDataCheckResult>(glue, logger)
{
    protected override async Task<RawDataCheckResult> CallAsync(RawDataCheckRequest input, CancellationToken cancellationToken)
    {
        var since = await cutoffs.LastSucceededRunStartAsync(input.RunId, input.Entity, cancellationToken);
        var check = await Glue.CheckRawDataAsync(input.Job, input.Arguments,
            since is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null, cancellationToken);
        Logger.RawDataChecked(input.Entity, check.HasNewData, check.Basis);
        return new RawDataCheckResult(check, null);
    }

    protected override RawDataCheckResult Failed(GlueCallError error) => new(null, error);
}
