using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Api;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Host.Http;

/// <summary>
/// The API's one exception-to-problem mapping (RFC 7807): handlers throw, this writes the problem. Domain refusals
/// map by kind (<see cref="RunProblem.Invalid"/> 400 naming the parameter, <see cref="RunProblem.NotFound"/> 404,
/// <see cref="RunProblem.Conflict"/> 409), an unavailable store is 503 and unreadable stored data 500, each with the
/// exception's specific detail. The framework's own 4xx answers (a body that does not bind, a body over the limit,
/// no endpoint, a method an endpoint does not take) get a <c>detail</c> naming the field or header and what is
/// allowed: binding failures arrive as <see cref="BadHttpRequestException"/> (route handlers are set to throw them);
/// answers without a body (404, 405) pass through status-code pages into <see cref="Explain"/>.
/// </summary>
public sealed partial class RequestProblems(IProblemDetailsService problems, ILogger<RequestProblems> logger) : IExceptionHandler
{
    /// <summary>The problem member that names the request parameter at fault, when one is.</summary>
    public const string ParameterMember = "parameter";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The exception handler has cleared the endpoint by now; its feature keeps the one that failed.
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        (int Status, string Detail, string? Parameter)? problem = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, Describe(httpContext, endpoint, bad), null),
            RunRequestException refused => (StatusOf(refused.Problem), refused.Message, refused.Parameter),
            StoreUnavailableException store => (StatusCodes.Status503ServiceUnavailable, $"The durable store is unavailable: {store.Message}", null),
            RunDataException data => (StatusCodes.Status500InternalServerError, data.Message, null),
            _ => null,
        };
        if (problem is not { } found)
        {
            return false;
        }

        var (status, detail, parameter) = found;
        if (status >= StatusCodes.Status500InternalServerError)
        {
            LogServerProblem(exception, httpContext.Request.Method, httpContext.Request.Path, status);
        }

        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = { Status = status, Detail = detail } };
        if (parameter is not null)
        {
            context.ProblemDetails.Extensions[ParameterMember] = parameter;
        }

        return await problems.TryWriteAsync(context);
    }

    static int StatusOf(RunProblem problem) => problem switch
    {
        RunProblem.NotFound => StatusCodes.Status404NotFound,
        RunProblem.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Fills in the detail of a problem the framework wrote without one.</summary>
    public static void Explain(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!string.IsNullOrEmpty(problem.Detail))
        {
            return;
        }

        var request = context.HttpContext.Request;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Detail = status switch
        {
            StatusCodes.Status404NotFound =>
                $"Nothing is at {request.Path}: the API's endpoints are listed in /openapi/v1.json, the dashboard is at /.",
            StatusCodes.Status405MethodNotAllowed =>
                $"{request.Path} does not take {request.Method}{(context.HttpContext.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? $"; it takes {allow}" : string.Empty)}.",
            StatusCodes.Status413PayloadTooLarge => TooLarge(context.HttpContext),
            StatusCodes.Status415UnsupportedMediaType => JsonRequestRule.Refusal(request),
            _ => $"The request was refused ({status} {ReasonPhrases.GetReasonPhrase(status)}).",
        };
    }

    static string TooLarge(HttpContext context) =>
        $"The request body is larger than the {context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes} bytes allowed (Orchestrator:Api:MaxRequestBodyBytes).";

    static string Describe(HttpContext context, Endpoint? endpoint, BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(context);
        }

        var request = context.Request;
        if (bad.InnerException is JsonException json)
        {
            var where = json.Path is null or "$" ? "in the body" : $"at {json.Path}";
            var position = json.LineNumber is { } line ? $" (line {line + 1}, position {json.BytePositionInLine + 1})" : string.Empty;
            // "could not be converted to Orchestrator.Host.Api.RunActionRequest" names our types, not the client's field.
            var reason = json.InnerException is InvalidOperationException invalid ? invalid.Message
                : json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) ? "a value of the wrong type."
                : JsonErrorText.Reason(json);
            var body = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            return $"The body of {request.Method} {request.Path} is not what it takes, {where}{position}: {reason}" +
                (body is null ? string.Empty : $" It takes {Shape(body)}.");
        }

        return $"The request could not be read: {(bad.InnerException ?? bad).Message}";
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status}")]
    partial void LogServerProblem(Exception exception, string method, string path, int status);

    /// <summary>The JSON object a request type binds from, e.g. {"reason": string, "force": true|false}, all optional.</summary>
    static string Shape(Type type)
    {
        var fields = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => $"\"{JsonNamingPolicy.CamelCase.ConvertName(p.Name)}\": {Kind(p.PropertyType)}");
        return $"a JSON object {{{string.Join(", ", fields)}}}, every field optional";
    }

    static string Kind(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) ? "string"
            : type == typeof(bool) ? "true|false"
            : type.IsAssignableTo(typeof(System.Collections.IEnumerable)) ? "[string, …]"
            : "number";
    }
}
