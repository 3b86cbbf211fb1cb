using Orchestrator.Storage.Journals;
using Orchestrator.Tests.Engine;

namespace Orchestrator.Tests.Storage;

/// <summary>The journal's conformance scenarios on SQL Server (orchestrator.Journal, rowversion cursor), when a SQL Server is given.</summary>
public sealed class SqlServerJournalTests : JournalConformanceTests
{
    protected override async Task<IJournal> OpenAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(SqlServerConformanceTests.Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Skip($"SQL Server journal tests skipped: set {SqlServerConformanceTests.Variable} to a connection string to run them.");
        }

        var journal = new SqlServerJournal(connectionString);
        await journal.CreateIfNotExistsAsync(Token);
        // Twice: a second replica starting finds the schema current and changes nothing.
        await journal.CreateIfNotExistsAsync(Token);
        return journal;
    }
}
