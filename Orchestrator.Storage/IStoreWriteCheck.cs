namespace Orchestrator.Storage;

/// <summary>A store that can tell, cheaply and without writing, whether it could still be written (for readiness).</summary>
public interface IStoreWriteCheck
{
    /// <summary>Why the store cannot be written now, naming the file or server; null when it can.</summary>
    string? FindWriteProblem();
}
