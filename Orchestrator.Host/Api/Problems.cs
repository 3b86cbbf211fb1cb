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

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
