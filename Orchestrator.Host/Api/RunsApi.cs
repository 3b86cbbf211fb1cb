using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue.Aws;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Api;

/// <summary><c>/api/runs</c>: list, details, history, and the operator actions replay, redrive and terminate.</summary>
public static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/runs").WithTags("Runs");
        api.MapGet("/", ListRuns).WithName("ListRuns").WithSummary("Runs, newest first, with cursor paging and filters");
        api.MapGet("/{id}", GetRun).WithName("GetRun").WithSummary("A run with its input, steps and every attempt");
        api.MapGet("/{id}/history", GetHistory).WithName("GetRunHistory").WithSummary("The run's orchestration history events");
        api.MapPost("/{id}/replay", Replay).WithName("ReplayRun").WithSummary("A new run with the same input");
        api.MapPost("/{id}/redrive", Redrive).WithName("RedriveRun").WithSummary("A new run of a failed or terminated run that reruns only what did not succeed");
        api.MapPost("/{id}/terminate", Terminate).WithName("TerminateRun").WithSummary("Stop a running run and its Glue job runs and crawler");
        return api;
    }

    static async Task<Results<Ok<RunPage>, ProblemHttpResult>> ListRuns(
        RunService runs,
        HttpRequest request,
        CancellationToken token,
        [Description("Only this pipeline's runs.")] string? pipeline = null,
        [Description("Only runs in this status: exactly one of Pending, Running, Succeeded, Failed, Terminated (any case). A list is refused.")] string? status = null,
        [Description("Only runs created at or after this time (ISO 8601, e.g. 2026-11-25T12:00:00Z).")] string? since = null,
        [Description("Only runs created before this time (ISO 8601).")] string? until = null,
        [Description("Runs per page: a whole number from 1 to 500 (default 50).")] string? limit = null,
        [Description("The nextCursor of the previous page, to continue after it.")] string? cursor = null)
    {
        if (request.Query.FirstOrDefault(q => q.Value.Count > 1) is { Key: { } repeated } given)
        {
            return Problems.BadRequest($"The query parameter '{repeated}' is given {given.Value.Count} times; give it once.");
        }

        RunStatus? statusFilter = null;
        if (status is not null)
        {
            // Enum.TryParse would read "Running,Succeeded" as the bitwise mix of both (which is Failed).
            if (status.Contains(',', StringComparison.Ordinal))
            {
                return Problems.BadRequest($"status '{status}' names several statuses; give exactly one of {string.Join(", ", Enum.GetNames<RunStatus>())}.");
            }

            if (!Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _))
            {
                return Problems.BadRequest($"status '{status}' is not a run status; use one of {string.Join(", ", Enum.GetNames<RunStatus>())}.");
            }

            statusFilter = parsed;
        }

        if (!TryTime(since, "since", out var sinceTime, out var problem) || !TryTime(until, "until", out var untilTime, out problem))
        {
            return problem!;
        }

        var pageSize = 50;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > 500))
        {
            return Problems.BadRequest($"limit '{limit}' is not allowed; use a whole number from 1 to 500 (default 50).");
        }

        try
        {
            return TypedResults.Ok(await runs.ListAsync(new RunFilter(pipeline, statusFilter, sinceTime, untilTime, pageSize, cursor), token));
        }
        catch (RunRequestException ex)
        {
            return Problems.From(ex);
        }
    }

    static async Task<Results<Ok<RunDetailsView>, ProblemHttpResult>> GetRun(string id, RunService runs, IOptions<AwsGlueOptions> aws, CancellationToken token)
    {
        try
        {
            var run = await runs.GetAsync(id, token);
            return TypedResults.Ok(RunDetailsView.Of(run, run.Backend == GlueSelection.Aws ? ConsoleRegion(aws.Value) : null));
        }
        catch (RunRequestException ex)
        {
            return Problems.From(ex);
        }
    }

    static async Task<Results<Ok<IReadOnlyList<HistoryEntry>>, ProblemHttpResult>> GetHistory(string id, RunService runs, CancellationToken token)
    {
        try
        {
            return TypedResults.Ok(await runs.GetHistoryAsync(id, token));
        }
        catch (RunRequestException ex)
        {
            return Problems.From(ex);
        }
    }

    static Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> Replay(string id, RunActionRequest? body, RunService runs, CancellationToken token) =>
        Problems.AcceptedRun(() => runs.ReplayAsync(id, body?.Reason, token));

    static Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> Redrive(string id, RunActionRequest? body, RunService runs, CancellationToken token) =>
        Problems.AcceptedRun(() => runs.RedriveAsync(id, body?.Reason, token));

    static async Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> Terminate(string id, RunActionRequest? body, RunService runs, CancellationToken token) =>
        await Problems.AcceptedRun(async () =>
        {
            await runs.TerminateAsync(id, body?.Reason, body?.Force == true, token);
            return id;
        });

    /// <summary>The region the AWS console shows the Glue runs in: as configured, else the SDK's environment variables.</summary>
    static string? ConsoleRegion(AwsGlueOptions aws) =>
        new[] { aws.Region, Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") }
            .FirstOrDefault(r => !string.IsNullOrWhiteSpace(r))?.Trim();

    static bool TryTime(string? text, string name, out DateTime? value, out ProblemHttpResult? problem)
    {
        value = null;
        problem = null;
        if (text is null)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }

        problem = Problems.BadRequest($"{name} '{text}' is not a time; use ISO 8601, e.g. 2026-11-25T12:00:00Z.");
        return false;
    }
}
