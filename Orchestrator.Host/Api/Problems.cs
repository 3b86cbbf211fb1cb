using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Api;

/// <summary>RFC 7807 problem details for refused requests, with a detail that says what to do.</summary>
public static class Problems
{
    public static ProblemHttpResult From(RunRequestException exception) => exception.Problem switch
    {
        RunProblem.NotFound => TypedResults.Problem(exception.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
        RunProblem.Conflict => TypedResults.Problem(exception.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        _ => TypedResults.Problem(exception.Message, statusCode: StatusCodes.Status400BadRequest, title: "Bad request"),
    };

    /// <summary>202 with the run's location, or the problem that refused it.</summary>
    public static async Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> AcceptedRun(Func<Task<string>> start)
    {
        try
        {
            var runId = await start();
            var location = ApiPaths.Run(runId);
            return TypedResults.Accepted(location, new RunAccepted(runId, location));
        }
        catch (RunRequestException ex)
        {
            return From(ex);
        }
    }

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
