namespace Orchestrator.Glue.Aws;

/// <summary>
/// The AWS backend cannot call Glue as configured: no credentials or no region could be found. A
/// <see cref="GlueException"/> like every other backend error (code <see cref="GlueErrorCodes.ConfigurationError"/>,
/// permanent), so callers need not know which backend they talk to.
/// </summary>
public sealed class AwsGlueConfigurationException : GlueException
{
    public AwsGlueConfigurationException()
        : this("The AWS Glue backend is not configured.")
    {
    }

    public AwsGlueConfigurationException(string message)
        : base(GlueErrorCodes.ConfigurationError, message)
    {
    }

    public AwsGlueConfigurationException(string message, Exception innerException)
        : base(GlueErrorCodes.ConfigurationError, message, null, innerException)
    {
    }
}
