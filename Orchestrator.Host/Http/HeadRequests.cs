namespace Orchestrator.Host.Http;

/// <summary>
/// HEAD works wherever GET does (RFC 9110): the request is routed as a GET and Kestrel, which still knows it is a HEAD,
/// sends the headers without the body. Endpoints then need no HEAD twin, and the OpenAPI document no duplicates.
/// </summary>
public sealed class HeadRequests(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        context.Request.Method = HttpMethods.Get;
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Method = HttpMethods.Head;
        }
    }
}
