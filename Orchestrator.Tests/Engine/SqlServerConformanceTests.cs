using DurableTask.SqlServer;
using Orchestrator.Storage;

namespace Orchestrator.Tests.Engine;

/// <summary>The same scenarios on Microsoft.DurableTask.SqlServer, when a SQL Server is given.</summary>
public sealed class SqlServerConformanceTests : StoreConformanceTests
{
    public const string Variable = "ORCHESTRATOR_TEST_SQLSERVER";

    protected override Task<DurableStore> CreateStoreAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Skip($"SQL Server conformance skipped: set {Variable} to a connection string to run it.");
        }

        var settings = new SqlOrchestrationServiceSettings(connectionString, $"t{Guid.NewGuid():N}"[..20]) { CreateDatabaseIfNotExists = true };
        // As the host does: the SQL provider lists oldest first by offset, the adapter gives newest first.
        var sql = new SqlOrchestrationService(settings);
        var newestFirst = new Orchestrator.Storage.SqlServer.NewestFirstQueryClient(sql, TimeProvider.System);
        return Task.FromResult(new DurableStore(sql, sql, newestFirst, sql, newestFirst));
    }
}
