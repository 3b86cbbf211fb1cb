namespace Orchestrator.Activities.Glue.Aws;

/// <summary>The AWS backend cannot call Glue as configured: no credentials or no region could be found.</summary>
public sealed class AwsGlueConfigurationException : Exception
{
    public AwsGlueConfigurationException()
        : this("The AWS Glue backend is not configured.")
    {
    }

    public AwsGlueConfigurationException(string message)
        : base(message)
    {
    }

    public AwsGlueConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
