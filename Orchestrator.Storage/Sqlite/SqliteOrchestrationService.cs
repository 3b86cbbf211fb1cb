using DurableTask.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Storage.Journals;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// DurableTask.Core's store on a SQLite file, shaped like DurableTask.SqlServer: instances, history, new events
/// (with visible-after times for timers) and new tasks, with lock owner and expiry columns so that several
/// processes sharing one file never process the same work item at once. Each checkpoint is one transaction.
/// The members are split by concern: work items (orchestrations, activities), client, queries and purge.
/// </summary>
public sealed partial class SqliteOrchestrationService : OrchestrationServiceBase
{
    readonly SqliteOrchestrationServiceSettings settings;
    readonly SqliteDatabase database;
    readonly ILogger logger;
    readonly WorkSignal orchestrationsSignal = new();
    readonly WorkSignal activitiesSignal = new();
    readonly WorkSignal completionsSignal = new();
    // 100,000 events: a few hundred short runs, or a 5,000-activity fan-out's 15,000, in some tens of MB.
    readonly HistoryCache historyCache = new(maxEvents: 100_000);
    CancellationTokenSource shutdown = new();

    public SqliteOrchestrationService(SqliteOrchestrationServiceSettings settings, ILoggerFactory? loggerFactory = null)
    {
        this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
        database = new SqliteDatabase(settings.DatabasePath, settings.BusyTimeout);
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SqliteOrchestrationService>();
        Journal = new SqliteJournal(database);
    }

    /// <summary>The journals kept in the same file, written through the same single writer.</summary>
    public IJournal Journal { get; }

    /// <summary>The schema version this build writes.</summary>
    public static int SchemaVersion => StoreSchema.LatestVersion;

    public SqliteOrchestrationServiceSettings Settings => settings;

    public override int MaxConcurrentTaskOrchestrationWorkItems => settings.MaxConcurrentOrchestrations;

    public override int MaxConcurrentTaskActivityWorkItems => settings.MaxConcurrentActivities;

    DateTime Now => settings.TimeProvider.GetUtcNow().UtcDateTime;

    /// <summary>Creates the file or upgrades its schema; <paramref name="recreateInstanceStore"/> wipes it first.</summary>
    public override async Task CreateAsync(bool recreateInstanceStore)
    {
        if (recreateInstanceStore)
        {
            await database.CloseConnectionsAsync();
            DeleteFiles();
        }

        StoreSchema.Migrate(database, settings.TimeProvider);
    }

    /// <summary>Starts a worker on the store: registers it and frees the locks of dead processes of this machine.</summary>
    public override async Task StartAsync()
    {
        // Not disposed on stop: a client may share this instance and outlive the worker.
        if (shutdown.IsCancellationRequested)
        {
            shutdown = new CancellationTokenSource();
        }

        await AttachWorkerAsync();
    }

    public override async Task StopAsync(bool isForced)
    {
        await shutdown.CancelAsync();
        EndAllSessions();
        // Locked but never handed out: DetachWorkerAsync gives their locks back with the others.
        lockedActivities.Clear();
        lockedInstances.Clear();
        await DetachWorkerAsync();
        await database.CloseConnectionsAsync();
    }

    public override async Task DeleteAsync(bool deleteInstanceStore)
    {
        if (deleteInstanceStore)
        {
            await database.CloseConnectionsAsync();
            DeleteFiles();
        }
    }

    void DeleteFiles()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(database.Path + suffix);
        }
    }

    string NewLockToken() => $"{settings.WorkerId}:{Guid.NewGuid():N}";

    /// <summary>
    /// Polls <paramref name="tryLock"/> until it yields work or <paramref name="receiveTimeout"/> passes, sleeping
    /// with back-off in between; a signal from this process wakes the sleeper at once.
    /// </summary>
    async Task<T?> PollAsync<T>(WorkSignal signal, Func<Task<(T? Item, DateTime? NextVisible)>> tryLock, TimeSpan receiveTimeout, CancellationToken cancellationToken)
        where T : class
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
        var deadline = Now + receiveTimeout;
        var delay = settings.MinPollingInterval;
        while (!linked.IsCancellationRequested)
        {
            var signaled = signal.Next;
            var (item, nextVisible) = await tryLock();
            if (item is not null)
            {
                return item;
            }

            var now = Now;
            var wait = Min(delay, deadline - now);
            if (nextVisible is { } visible)
            {
                // A timer comes due before the next poll: wake exactly then (never early: visibility is checked).
                wait = Min(wait, visible - now);
            }

            if (deadline <= now)
            {
                return null;
            }

            try
            {
                var woken = await WorkSignal.WaitAsync(signaled, wait, settings.TimeProvider, linked.Token);
                delay = woken ? settings.MinPollingInterval : Min(delay * 2, settings.MaxPollingInterval);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return null;
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>When the next not-yet-visible message of <paramref name="table"/> becomes visible (a timer, a back-off).</summary>
    DateTime? NextVisible(string table, DateTime now) => SqliteTime.ParseOrNull(database.Read(connection =>
        connection.Scalar($"SELECT MIN(VisibleTime) FROM {table} WHERE VisibleTime > @now;", null, ("@now", SqliteTime.ToText(now)))));

    TimeSpan AbandonDelay(int dequeueCount)
    {
        var exponent = Math.Clamp(dequeueCount - 1, 0, 20);
        var delay = settings.AbandonDelay * Math.Pow(2, exponent);
        return delay < settings.MaxAbandonDelay ? delay : settings.MaxAbandonDelay;
    }

    static bool IsTerminal(OrchestrationStatus status) => InstanceStatuses.IsFinished(status);
}
