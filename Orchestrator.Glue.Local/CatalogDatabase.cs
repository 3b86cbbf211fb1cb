using Microsoft.Data.Sqlite;
using Orchestrator.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>
/// The SQLite file behind the local catalog and run records, in the store's convention (<see cref="SqliteFile"/>,
/// versioned <c>Scripts/schema-N.sql</c>). Several processes may share it (the CLI beside the service): every write
/// is a short BEGIN IMMEDIATE transaction, and writers of other processes queue on the busy timeout.
/// </summary>
sealed class CatalogDatabase(string path)
{
    static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    static readonly SchemaMigrator Migrator = new(
        new SqliteSchema("catalog", typeof(CatalogDatabase).Assembly, "Orchestrator.Glue.Local.Scripts.schema-")
        {
            // Catalogs written before the shared convention (schemas 1 and 2) kept their versions here.
            LegacyVersions = new LegacyVersionTable("schema_versions", "version", "applied_at"),
        },
        (message, cause) => new IOException(message, cause));

    // A committed bookmark must survive a power cut, or the next run would write its rows twice.
    readonly SqliteFile file = new(path, BusyTimeout, SqliteDurability.SurvivesPowerLoss);

    public string Path => file.Path;

    public static int SchemaVersion => Migrator.LatestVersion;

    /// <summary>
    /// Creates the file or brings it to <see cref="SchemaVersion"/>; returns the version it had (0 for a new file).
    /// A file that is not a catalog this build can vouch for is refused with an <see cref="IOException"/>.
    /// </summary>
    public int Migrate(TimeProvider timeProvider) => Migrator.Migrate(file, timeProvider);

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => file.OpenAsync(cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE) and commits it.</summary>
    public async Task<T> WriteAsync<T>(
        Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
