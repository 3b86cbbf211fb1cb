using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Notifications;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue.Aws;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Api;

/// <summary>
/// <c>/api/runs</c>: list, details, history, and the operator actions replay, redrive and terminate. Refusals are
/// thrown as domain exceptions and written as problem details by <see cref="Http.RequestProblems"/>, the API's one
/// exception-to-problem mapping.
/// </summary>
public static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/runs").WithTags("Runs");
        api.MapGet("/", ListRuns).WithName("ListRuns").WithSummary("Runs, newest first, with cursor paging and filters")
            .Produces<RunPage>(contentType: "application/json").Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}", GetRun).WithName("GetRun").WithSummary("A run with its input, steps and every attempt")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/{id}/history", GetHistory).WithName("GetRunHistory").WithSummary("The run's orchestration history events")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{id}/replay", Replay).WithName("ReplayRun").WithSummary("A new run with the same input")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/redrive", Redrive).WithName("RedriveRun").WithSummary("A new run of a failed or terminated run that reruns only what did not succeed")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/terminate", Terminate).WithName("TerminateRun").WithSummary("Stop a running run and its Glue job runs and crawler")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>The page's JSON with an ETag (304 for a client that sends it back while the listing is unchanged).</summary>
    static async Task<RunPageResult> ListRuns(
        RunQueries runs,
        RunPageResponses responses,
        HttpRequest request,
        CancellationToken token,
        [Description("Only this pipeline's runs.")] string? pipeline = null,
        [Description("Only runs in this status: exactly one of Pending, Running, Succeeded, Failed, Terminated (any case). A list is refused.")] string? status = null,
        [Description("Only runs created at or after this time (ISO 8601, e.g. 2026-11-25T12:00:00Z).")] string? since = null,
        [Description("Only runs created at or before this time (ISO 8601).")] string? until = null,
        [Description("Runs per page: a whole number from 1 to 500 (default 50).")] string? limit = null,
        [Description("The nextCursor of the previous page, to continue after it; valid only with the same filters.")] string? cursor = null)
    {
        QueryParameters.RefuseRepeated(request);

        RunStatus? statusFilter = null;
        if (status is not null)
        {
            // Enum.TryParse would read "Running,Succeeded" as the bitwise mix of both (which is Failed).
            if (status.Contains(',', StringComparison.Ordinal))
            {
                throw Invalid(nameof(status), $"status '{status}' names several statuses; give exactly one of {string.Join(", ", Enum.GetNames<RunStatus>())}.");
            }

            if (!Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _))
            {
                throw Invalid(nameof(status), $"status '{status}' is not a run status; use one of {string.Join(", ", Enum.GetNames<RunStatus>())}.");
            }

            statusFilter = parsed;
        }

        var (sinceTime, untilTime) = (Time(since, nameof(since)), Time(until, nameof(until)));
        var filter = new RunFilter(pipeline, statusFilter, sinceTime, untilTime, QueryParameters.Limit(limit, 50, 500), cursor);
        return responses.Of(await runs.ListSharedAsync(filter, token));
    }

    static async Task<Ok<RunDetailsView>> GetRun(string id, RunQueries runs, WebhookDeliveries deliveries, IOptions<AwsGlueOptions> aws, CancellationToken token)
    {
        var run = await runs.GetAsync(id, token);
        return TypedResults.Ok(RunDetailsView.Of(run, run.Backend == GlueSelection.Aws ? ConsoleRegion(aws.Value) : null, await deliveries.OfRunAsync(id, token)));
    }

    static async Task<Ok<IReadOnlyList<HistoryEntry>>> GetHistory(string id, RunQueries runs, CancellationToken token) =>
        TypedResults.Ok(await runs.GetHistoryAsync(id, token));

    static async Task<Accepted<RunAccepted>> Replay(string id, RunActionRequest? body, RunCommands runs, CancellationToken token) =>
        RunAccepted.For(await runs.ReplayAsync(id, body?.Reason, token));

    static async Task<Accepted<RunAccepted>> Redrive(string id, RunActionRequest? body, RunCommands runs, CancellationToken token) =>
        RunAccepted.For(await runs.RedriveAsync(id, body?.Reason, token));

    static async Task<Accepted<RunAccepted>> Terminate(string id, RunActionRequest? body, RunCommands runs, CancellationToken token)
    {
        await runs.TerminateAsync(id, body?.Reason, body?.Force == true, token);
        return RunAccepted.For(id);
    }

    /// <summary>The region the AWS console shows the Glue runs in: as configured, else the SDK's environment variables.</summary>
    static string? ConsoleRegion(AwsGlueOptions aws) =>
        new[] { aws.Region, Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") }
            .FirstOrDefault(r => !string.IsNullOrWhiteSpace(r))?.Trim();

    static DateTime? Time(string? text, string name) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed.UtcDateTime
        : throw Invalid(name, $"{name} '{text}' is not a time; use ISO 8601, e.g. 2026-11-25T12:00:00Z.");

    static RunRequestException Invalid(string parameter, string detail) => QueryParameters.Invalid(parameter, detail);
}
