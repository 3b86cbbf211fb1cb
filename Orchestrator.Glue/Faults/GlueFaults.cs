namespace Orchestrator.Glue.Faults;

/// <summary>The faults <see cref="FaultInjectingGlueBackend"/> injects.</summary>
public static class GlueFaults
{
    public const string Throttling = "Throttling";
    public const string ServerError = "ServerError";
    public const string AmbiguousStart = "AmbiguousStart";
    public const string JobFailure = "JobFailure";
    public const string SlowPoll = "SlowPoll";
}
