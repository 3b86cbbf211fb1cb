namespace Orchestrator.Storage.Sqlite;

/// <summary>The store's schema (<c>Scripts/schema-N.sql</c>), migrated by the shared <see cref="SchemaMigrator"/>.</summary>
static class StoreSchema
{
    static readonly SchemaMigrator Migrator = new(
        new SqliteSchema("store", typeof(StoreSchema).Assembly, "Orchestrator.Storage.Sqlite.Scripts.schema-"),
        (message, cause) => cause is null ? new StoreUnavailableException(message) : new StoreUnavailableException(message, cause));

    public static int LatestVersion => Migrator.LatestVersion;

    public static void Migrate(SqliteDatabase database, TimeProvider timeProvider) =>
        Migrator.Migrate(database.File, timeProvider);
}
