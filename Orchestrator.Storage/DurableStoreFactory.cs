using DurableTask.SqlServer;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Orchestrator.Storage.Journals;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Storage.SqlServer;

namespace Orchestrator.Storage;

/// <summary>
/// Opens the configured store (<see cref="StoreOptions.Provider"/>) and makes its schema current. When it cannot,
/// start-up stops with one line that names the setting and says why. <c>dataDirectory</c> is where the SQLite file
/// goes unless <see cref="SqliteStoreOptions.Path"/> names one.
/// </summary>
public static class DurableStoreFactory
{
    public static async Task<DurableStore> OpenAsync(StoreOptions options, string dataDirectory, ILoggerFactory loggerFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.Equals(options.Provider, StoreProviders.SqlServer, StringComparison.OrdinalIgnoreCase))
        {
            var settings = new SqlOrchestrationServiceSettings(options.SqlServer.ConnectionString ?? string.Empty, options.SqlServer.TaskHub)
            {
                CreateDatabaseIfNotExists = true,
                LoggerFactory = loggerFactory,
                WorkItemLockTimeout = options.SqlServer.LockTimeout,
            };
            var sql = new SqlOrchestrationService(settings);
            var journal = new SqlServerJournal(options.SqlServer.ConnectionString ?? string.Empty);
            try
            {
                await sql.CreateIfNotExistsAsync().WaitAsync(cancellationToken);
                await journal.CreateIfNotExistsAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is SqlException or InvalidOperationException or ArgumentException or TimeoutException)
            {
                throw new StoreUnavailableException($"{StoreOptions.Section}:SqlServer:ConnectionString: cannot use SQL Server: {FirstLine(ex.Message)}", ex);
            }

            // The SQL provider lists oldest first, by offset; run listings want newest first, after a position.
            var newestFirst = new NewestFirstQueryClient(sql, time);
            return new DurableStore(sql, sql, newestFirst, sql, newestFirst, Journal: journal);
        }

        var path = SqlitePath(options, dataDirectory);
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(path)
        {
            WorkItemLockTimeout = options.Sqlite.LockTimeout,
            BusyTimeout = options.Sqlite.BusyTimeout,
            ExtendedSessionIdleTimeout = options.Sqlite.ExtendedSessionIdleTimeout,
            MaxExtendedSessions = options.Sqlite.MaxExtendedSessions,
            ActivityBatchSize = options.Sqlite.ActivityBatchSize,
            MaxConcurrentOrchestrations = options.Sqlite.MaxConcurrentOrchestrations,
        }, loggerFactory);
        try
        {
            await store.CreateIfNotExistsAsync();
        }
        catch (StoreUnavailableException ex)
        {
            throw new StoreUnavailableException($"{StoreOptions.Section}:Sqlite:Path: {ex.Message}", ex);
        }

        return DurableStore.From(store);
    }

    public static string SqlitePath(StoreOptions options, string dataDirectory) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(options.Sqlite.Path) ? Path.Combine(dataDirectory, "orchestrator.db") : options.Sqlite.Path);

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
