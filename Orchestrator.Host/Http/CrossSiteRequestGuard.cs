namespace Orchestrator.Host.Http;

/// <summary>
/// Refuses a change (any method but GET, HEAD, OPTIONS and TRACE) that a browser says comes from another origin,
/// whether or not API keys are set: a page on any other site — or on another port of this machine — can make a
/// browser send a form or a no-cors fetch here. Browsers say where a request comes from in <c>Sec-Fetch-Site</c>
/// (every current one); older ones only in <c>Origin</c>, compared with the Host header. Clients that are not
/// browsers (curl, scripts) send neither and pass. Read requests are never refused: a cross-origin page cannot read
/// the answers (no CORS headers are sent).
/// </summary>
public sealed class CrossSiteRequestGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method)
            || CrossSiteEvidence(request) is not { } evidence)
        {
            return next(context);
        }

        return TypedResults.Problem(
            $"{request.Method} {request.Path} was sent by a page from another origin ({evidence}); changes are accepted only from this host's own dashboard or from clients that are not browsers.",
            statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused").ExecuteAsync(context);
    }

    static string? CrossSiteEvidence(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            // same-site is another origin too: a page on another port of the same host.
            return site is "same-origin" or "none" ? null : $"Sec-Fetch-Site: {site}";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }

        // Scheme left out: a proxy that ends TLS forwards https origins over http.
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"Origin: {origin}";
    }
}
