using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Activities.Changes;

namespace Orchestrator.Host.Api;

/// <summary>
/// <c>/api/changes</c>: the partition change feed in commit order, paged with an opaque cursor. At least once: a
/// client that resumes after the last cursor it got sees every change committed since, including the changes of runs
/// that finished out of order; one that resumes from an older cursor sees some changes again.
/// </summary>
public static class ChangesApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapChangesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/changes").WithTags("Changes");
        api.MapGet("/", ListChanges).WithName("ListChanges").WithSummary("Committed changes to clean partitions, in commit order, after a cursor")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    static async Task<Ok<ChangePage>> ListChanges(
        PartitionChangeFeed feed,
        HttpRequest request,
        CancellationToken token,
        [Description("Only this pipeline's changes.")] string? pipeline = null,
        [Description("Only this entity's changes (with pipeline: that pipeline's entity).")] string? entity = null,
        [Description("Only the changes of this run.")] string? run = null,
        [Description("The nextCursor of an earlier answer with the same filters: changes committed after it. Without it, from the oldest kept.")] string? after = null,
        [Description("Changes per page: a whole number from 1 to 500 (default 100).")] string? limit = null)
    {
        QueryParameters.RefuseRepeated(request);
        var filter = new ChangeFilter(Blank(pipeline), Blank(entity), Blank(run), Blank(after), QueryParameters.Limit(limit, DefaultLimit, MaxLimit));
        return TypedResults.Ok(await feed.ReadAsync(filter, token));
    }

    static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
