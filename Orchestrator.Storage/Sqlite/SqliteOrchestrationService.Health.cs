namespace Orchestrator.Storage.Sqlite;

public sealed partial class SqliteOrchestrationService : IStoreWriteCheck
{
    /// <summary>Asks the kernel whether the store's files could still be written by a new connection.</summary>
    public string? FindWriteProblem() =>
        FileWritability.WriteProblem(database.Path) is { } problem ? $"the store file {problem}, so the store can no longer be written" : null;
}
