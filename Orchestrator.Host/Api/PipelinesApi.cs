using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Plans;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Scheduling;

namespace Orchestrator.Host.Api;

/// <summary>
/// <c>/api/pipelines</c>: what is configured, when it runs next, what a run would do now (plan), triggering runs,
/// pausing schedules.
/// </summary>
public static class PipelinesApi
{
    public static RouteGroupBuilder MapPipelinesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/pipelines").WithTags("Pipelines");
        api.MapGet("/", ListPipelines).WithName("ListPipelines").WithSummary("Pipelines with their schedule, next due time, pause state and active runs");
        api.MapGet("/{name}/plan", GetPlan).WithName("GetPipelinePlan")
            .WithSummary("What a run would do now, without starting it: each step, run or skip and why, new raw data, estimated time")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{name}/runs", TriggerRun).WithName("TriggerRun").WithSummary("Start a run now, optionally for some entities")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{name}/schedule/pause", (string name, RunActionRequest? body, RunQueries runs, ScheduleStateStore states, CancellationToken token) =>
            SetPaused(name, true, body, runs, states, token)).WithName("PauseSchedule").WithSummary("Pause the pipeline's schedule (persisted)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{name}/schedule/resume", (string name, RunActionRequest? body, RunQueries runs, ScheduleStateStore states, CancellationToken token) =>
            SetPaused(name, false, body, runs, states, token)).WithName("ResumeSchedule").WithSummary("Resume the pipeline's schedule")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    static async Task<Ok<List<PipelineView>>> ListPipelines(PipelineCatalog catalog, RunQueries runs, ScheduleStateStore states, PipelineBudgets budgets, TimeProvider time, CancellationToken token)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var views = new List<PipelineView>();
        foreach (var pipeline in catalog.All.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var state = await states.GetAsync(pipeline.Name);
            var paused = state?.Paused == true;
            views.Add(new PipelineView(
                pipeline.Name, pipeline.Schedule?.Cron, pipeline.Schedule?.TimeZone ?? "UTC",
                paused ? null : PipelineScheduler.NextDue(pipeline, now),
                paused, paused ? state!.ChangedAt : null, paused ? state!.Reason : null,
                pipeline.Overlap, pipeline.RunOnStartup, pipeline.MaxParallelJobs, pipeline.RawCrawler, pipeline.CleanCrawler,
                pipeline.Entities.Select(e => e.Name).ToList(), pipeline.Hash,
                await runs.ActiveRunsAsync(pipeline.Name, token), pipeline.CleanCrawl, pipeline.VisibilitySla,
                BudgetView.Of(await budgets.CheckAsync(pipeline, token))));
        }

        return TypedResults.Ok(views);
    }

    /// <summary><c>?entity=a&amp;entity=b</c> plans those entities only; an unknown pipeline or entity is a 404 naming it.</summary>
    static async Task<Ok<PipelinePlan>> GetPlan(string name, [FromQuery(Name = "entity")] string[]? entities, PipelinePlanner planner, CancellationToken token) =>
        TypedResults.Ok(await planner.PlanAsync(name, entities, token));

    /// <summary>A manual run starts even past the pipeline's budget; the response then carries the budget's warning.</summary>
    static async Task<Accepted<RunAccepted>> TriggerRun(string name, TriggerRunRequest? body, RunCommands runs, RunQueries queries, PipelineBudgets budgets, CancellationToken token)
    {
        var check = await budgets.CheckAsync(queries.Pipeline(name), token);
        await budgets.AlertAsync(check);
        return RunAccepted.For(await runs.StartAsync(name, new StartRunRequest(body?.Entities, body?.Reason), token), check.Exceeded ? check.Reason : null);
    }

    static async Task<Ok<ScheduleView>> SetPaused(string name, bool paused, RunActionRequest? body, RunQueries runs, ScheduleStateStore states, CancellationToken token)
    {
        var pipeline = runs.Pipeline(name);
        var state = await states.SetAsync(pipeline.Name, paused, body?.Reason, token);
        return TypedResults.Ok(new ScheduleView(pipeline.Name, state.Paused, state.ChangedAt, state.Reason));
    }
}
