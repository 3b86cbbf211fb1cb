using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Notifications;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Api;

/// <summary>A pipeline as <c>GET /api/pipelines</c> shows it.</summary>
public sealed record PipelineView(
    string Name,
    string? Schedule,
    string TimeZone,
    DateTime? NextDueAt,
    bool Paused,
    DateTime? PausedAt,
    string? PauseReason,
    OverlapPolicy Overlap,
    bool RunOnStartup,
    int MaxParallelJobs,
    string? RawCrawler,
    string? CleanCrawler,
    IReadOnlyList<string> Entities,
    string DefinitionHash,
    IReadOnlyList<RunSummary> ActiveRuns,
    CleanCrawlMode CleanCrawl = CleanCrawlMode.AfterAll,
    TimeSpan? VisibilitySla = null,
    BudgetView? Today = null);

/// <summary>
/// A pipeline's day so far (<see cref="Day"/> in its schedule's time zone): what its runs used, its budget if one is
/// set, and whether it is exceeded and why.
/// </summary>
public sealed record BudgetView(DateOnly Day, string TimeZone, CostTotal Used, double? DailyDpuHours, BudgetAction? Action, bool Exceeded, string Reason)
{
    public static BudgetView Of(BudgetCheck check) =>
        new(check.Day, check.TimeZone, check.Used, check.DailyDpuHours, check.Action, check.Exceeded, check.Reason);
}

/// <summary>Body of <c>POST /api/pipelines/{name}/runs</c>; both fields are optional.</summary>
public sealed record TriggerRunRequest(IReadOnlyList<string>? Entities, string? Reason);

/// <summary>Body of replay, redrive, terminate and pause/resume; all fields optional.</summary>
public sealed record RunActionRequest(string? Reason, bool Force = false);

/// <summary>A started run; <see cref="Warning"/> says why it started anyway, e.g. past the pipeline's daily budget.</summary>
public sealed record RunAccepted(string RunId, string Location, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Warning = null)
{
    /// <summary>202 with the run's location.</summary>
    public static Accepted<RunAccepted> For(string runId, string? warning = null)
    {
        var location = ApiPaths.Run(runId);
        return TypedResults.Accepted(location, new RunAccepted(runId, location, warning));
    }
}

public sealed record ScheduleView(string Pipeline, bool Paused, DateTime ChangedAt, string? Reason);

/// <summary>
/// A run as <c>GET /api/runs/{id}</c> shows it: summary, input, steps with attempts, actions and links.
/// <see cref="AwsRegion"/> is set on the Aws backend when the region is known, so the dashboard can link Glue run
/// ids to the AWS console. <see cref="Unreadable"/> (absent when everything is readable) names each stored payload
/// that could not be read, and why.
/// </summary>
public sealed record RunDetailsView(
    string RunId,
    string Pipeline,
    RunKind Kind,
    RunStatus Status,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    DateTime? ScheduledSlot,
    string? OriginRunId,
    IReadOnlyList<string> FailedEntities,
    bool PastDeadline,
    string? Message,
    string? DefinitionHash,
    string Backend,
    string? AwsRegion,
    PipelineRunInput? Input,
    IReadOnlyList<StepOutcome> Steps,
    RunActions Actions,
    IReadOnlyDictionary<string, string> Links,
    IReadOnlyList<string>? Unreadable = null,
    IReadOnlyList<EntityVisibility>? Visibility = null,
    IReadOnlyList<WebhookDelivery>? Notifications = null,
    CostTotal? Cost = null)
{
    public static RunDetailsView Of(RunDetails run, string? awsRegion, IReadOnlyList<WebhookDelivery>? notifications = null)
    {
        var s = run.Summary;
        var self = ApiPaths.Run(s.RunId);
        var links = new Dictionary<string, string> { ["self"] = self, ["history"] = $"{self}/history" };
        if (s.OriginRunId is { } origin)
        {
            links["origin"] = ApiPaths.Run(origin);
        }

        if (run.Actions.CanReplay)
        {
            links["replay"] = $"{self}/replay";
        }

        if (run.Actions.CanRedrive)
        {
            links["redrive"] = $"{self}/redrive";
        }

        if (run.Actions.CanTerminate)
        {
            links["terminate"] = $"{self}/terminate";
        }

        return new RunDetailsView(s.RunId, s.Pipeline, s.Kind, s.Status, s.CreatedAt, s.CompletedAt, s.ScheduledSlot, s.OriginRunId,
            s.FailedEntities, s.PastDeadline, s.Message, run.DefinitionHash, run.Backend, awsRegion, run.Input, run.Steps, run.Actions, links, run.Unreadable,
            s.Visibility, notifications ?? [], CostTotal.Sum(run.Steps.Select(step => step.Cost)));
    }
}
