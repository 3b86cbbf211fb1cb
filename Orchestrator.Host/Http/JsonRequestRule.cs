namespace Orchestrator.Host.Http;

/// <summary>
/// Every change to the API must say <c>Content-Type: application/json</c>, body or not. A browser sends that type to
/// another origin only after a CORS preflight this host never approves, so no page elsewhere can make one; and a
/// client that sends something else learns at once what is expected (415), before its body is read.
/// </summary>
public sealed class JsonRequestRule(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        // Only where an endpoint takes this method: anything else is answered 404 or 405 with what it does take.
        var accepts = context.GetEndpoint()?.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(request.Method, StringComparer.OrdinalIgnoreCase) == true;
        if (!accepts || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || request.HasJsonContentType())
        {
            return next(context);
        }

        return TypedResults.Problem(Refusal(request), statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type").ExecuteAsync(context);
    }

    /// <summary>
    /// Also the detail of routing's own 415, which answers first when a request with a body of another type reaches
    /// an endpoint that takes JSON.
    /// </summary>
    public static string Refusal(HttpRequest request) =>
        $"{request.Method} {request.Path} takes Content-Type: application/json (an empty body is fine); this request has " +
        (string.IsNullOrEmpty(request.ContentType) ? "none." : $"'{request.ContentType}'.");
}
