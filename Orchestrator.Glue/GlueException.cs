namespace Orchestrator.Glue;

/// <summary>
/// An error Glue reported, with its error code (the <c>__type</c>, e.g. <c>EntityNotFoundException</c>) and message.
/// The local engine uses the same codes so retry policies read the same on both backends.
/// </summary>
public class GlueException : Exception
{
    public GlueException(string errorCode, string message, int? httpStatus = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        HttpStatus = httpStatus;
    }

    public GlueException()
        : this("UnknownError", "Glue reported an error.")
    {
    }

    public GlueException(string message)
        : this("UnknownError", message)
    {
    }

    public GlueException(string message, Exception innerException)
        : this("UnknownError", message, null, innerException)
    {
    }

    public string ErrorCode { get; }

    public int? HttpStatus { get; }

    /// <summary>Configuration problems: retrying cannot help (unknown crawler or job, bad input, no access).</summary>
    public bool IsPermanent => GlueErrorCodes.IsPermanent(ErrorCode);
}

/// <summary>The Glue error codes the orchestrator treats specially.</summary>
public static class GlueErrorCodes
{
    public const string EntityNotFound = "EntityNotFoundException";
    public const string InvalidInput = "InvalidInputException";
    public const string AccessDenied = "AccessDeniedException";
    public const string CrawlerRunning = "CrawlerRunningException";
    public const string CrawlerNotRunning = "CrawlerNotRunningException";
    public const string CrawlerStopping = "CrawlerStoppingException";
    public const string ConcurrentRunsExceeded = "ConcurrentRunsExceededException";
    public const string Throttling = "ThrottlingException";
    public const string InternalService = "InternalServiceException";
    public const string OperationTimeout = "OperationTimeoutException";
    public const string ResourceNumberLimitExceeded = "ResourceNumberLimitExceededException";

    /// <summary>Not a Glue code: the backend cannot call Glue at all as configured (no credentials, no region).</summary>
    public const string ConfigurationError = "ConfigurationError";

    /// <summary>Codes no retry can help with: an unknown crawler or job, bad input, no access, no configuration.</summary>
    public static bool IsPermanent(string errorCode) =>
        errorCode is EntityNotFound or InvalidInput or AccessDenied or ConfigurationError;
}
