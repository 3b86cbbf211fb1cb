namespace Orchestrator.Glue.Aws;

/// <summary>
/// Codes the AWS backend puts in <see cref="GlueException.ErrorCode"/> when Glue itself sent none: the request timed
/// out, the connection failed, or the response could not be read.
/// </summary>
public static class AwsGlueErrorCodes
{
    public const string RequestTimeout = "RequestTimeout";
    public const string ConnectionFailure = "ConnectionFailure";
    public const string InvalidResponse = "InvalidResponse";
    public const string CredentialsUnavailable = "CredentialsUnavailable";

    /// <summary>An error response without a Glue error code, e.g. an HTML 502 from a proxy: <c>Http502</c>.</summary>
    public static string ForHttpStatus(int status) => $"Http{status}";
}
