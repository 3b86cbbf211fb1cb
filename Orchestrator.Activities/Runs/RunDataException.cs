namespace Orchestrator.Activities.Runs;

/// <summary>A run's stored data cannot be read (a damaged history, say): not the caller's fault, and not passed over.</summary>
public sealed class RunDataException : Exception
{
    public RunDataException()
        : this("A run's stored data cannot be read.")
    {
    }

    public RunDataException(string message)
        : base(message)
    {
    }

    public RunDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
