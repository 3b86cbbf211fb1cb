namespace Orchestrator.Host.Http;

/// <summary>
/// Answers 400 to a request whose Host header is not one of <see cref="AllowedHosts"/>. ASP.NET Core's own host
/// filtering answers with an HTML page before any problem details can be written, so the host uses this one instead.
/// </summary>
public sealed class HostHeaderFilter(RequestDelegate next, AllowedHosts allowed)
{
    public Task InvokeAsync(HttpContext context) =>
        allowed.Allows(context.Request.Host)
            ? next(context)
            : TypedResults.Problem(
                $"The Host header '{context.Request.Host}' is not a name this service answers to (allowed: {string.Join(", ", allowed.Names)}). " +
                $"If clients reach it under that name, add the name to {AllowedHosts.Key} (names separated by ';').",
                statusCode: StatusCodes.Status400BadRequest, title: "Unknown host").ExecuteAsync(context);
}
