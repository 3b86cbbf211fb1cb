using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.SqlServer;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>One store raced by <c>engine --compare</c>: its name on the command line, its row label, and how a worker builds it.</summary>
sealed record RaceProvider(string Id, string Label)
{
    /// <summary>The Azurite connection string a worker of <see cref="AzureStorage"/> gets from the race.</summary>
    public const string AzureStorageVariable = "ORCHESTRATOR_RACE_AZURE_STORAGE";

    /// <summary>The same variable the SQL Server conformance tests read (Orchestrator.Tests/Engine/SqlServerConformanceTests.cs).</summary>
    public const string SqlServerVariable = "ORCHESTRATOR_TEST_SQLSERVER";

    // The same concurrency for every store that lets us set it: our defaults on 2 cores.
    const int Activities = 16;
    const int Orchestrations = 8;

    public static RaceProvider SqliteSessions { get; } = new("sqlite-sessions", "(1) ours: SQLite, extended sessions");
    public static RaceProvider Sqlite { get; } = new("sqlite", "(2) ours: SQLite, no extended sessions");
    public static RaceProvider AzureStorage { get; } = new("azure-storage", "(3) DurableTask.AzureStorage 2.11.2 on Azurite, ext. sessions");
    public static RaceProvider SqlServer { get; } = new("sql-server", "(4) DurableTask.SqlServer 1.8.1");
    public static RaceProvider InMemory { get; } = new("in-memory", "ceiling: DurableTask.Core in memory");

    public static IReadOnlyList<RaceProvider> All { get; } = [SqliteSessions, Sqlite, AzureStorage, SqlServer, InMemory];

    /// <summary>The row every other row's ratio is taken against.</summary>
    public static RaceProvider Ours => SqliteSessions;

    /// <summary>Builds and creates a fresh store of this kind; every one of them is also its own client.</summary>
    public async Task<IOrchestrationService> CreateAsync(string directory)
    {
        IOrchestrationService service = Id switch
        {
            "sqlite-sessions" => SqliteStore(directory, TimeSpan.FromSeconds(5)),
            "sqlite" => SqliteStore(directory, TimeSpan.Zero),
            "azure-storage" => new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                StorageAccountClientProvider = new StorageAccountClientProvider(Required(AzureStorageVariable)),
                TaskHubName = NewTaskHubName(),
                PartitionCount = 4,
                MaxConcurrentTaskActivityWorkItems = Activities,
                MaxConcurrentTaskOrchestrationWorkItems = Orchestrations,
                ExtendedSessionsEnabled = true,
            }),
            "sql-server" => new SqlOrchestrationService(new SqlOrchestrationServiceSettings(Required(SqlServerVariable), NewTaskHubName())
            {
                CreateDatabaseIfNotExists = true,
                MaxConcurrentActivities = Activities,
                MaxActiveOrchestrations = Orchestrations,
            }),
            // Its concurrency is fixed by the package and cannot be set.
            "in-memory" => new InMemoryOrchestrationService(NullLoggerFactory.Instance),
            _ => throw new InvalidOperationException($"no store named {Id}"),
        };
        await service.CreateAsync(recreateInstanceStore: true);
        return service;
    }

    static SqliteOrchestrationService SqliteStore(string directory, TimeSpan sessionIdle) =>
        new(new SqliteOrchestrationServiceSettings(Path.Combine(directory, "orchestrator.db"))
        {
            ExtendedSessionIdleTimeout = sessionIdle,
            MaxConcurrentActivities = Activities,
            MaxConcurrentOrchestrations = Orchestrations,
        });

    // A new task hub per run: nothing left by an earlier run (or a run of another engineer) is read.
    static string NewTaskHubName() => $"race{Guid.NewGuid():N}"[..20];

    static string Required(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{variable} is not set");
}
