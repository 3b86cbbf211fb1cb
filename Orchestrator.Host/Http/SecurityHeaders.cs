namespace Orchestrator.Host.Http;

/// <summary>
/// The headers every response carries (NetEscapades.AspNetCore.SecurityHeaders sets them as the response starts):
/// a Content-Security-Policy that lets the dashboard load only its own files (no inline script or style, no other
/// origin, no framing), nosniff, DENY framing for browsers that predate frame-ancestors, no Referer leaving the page,
/// and same-origin isolation so no other site can open, frame or embed what the host serves.
/// </summary>
public static class SecurityHeaders
{
    public static HeaderPolicyCollection Policy { get; } = new HeaderPolicyCollection()
        .AddContentSecurityPolicy(csp =>
        {
            csp.AddDefaultSrc().Self();
            csp.AddScriptSrc().Self();
            csp.AddStyleSrc().Self();
            csp.AddImgSrc().Self().Data();
            csp.AddConnectSrc().Self();
            csp.AddFontSrc().Self();
            csp.AddObjectSrc().None();
            csp.AddBaseUri().None();
            csp.AddFormAction().Self();
            csp.AddFrameAncestors().None();
        })
        .AddContentTypeOptionsNoSniff()
        .AddFrameOptionsDeny()
        .AddReferrerPolicyNoReferrer()
        .AddCrossOriginOpenerPolicy(policy => policy.SameOrigin())
        .AddCrossOriginResourcePolicy(policy => policy.SameOrigin())
        .RemoveServerHeader();
}
