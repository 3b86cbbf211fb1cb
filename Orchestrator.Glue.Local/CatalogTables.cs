using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Orchestrator.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>Databases, tables, columns, partitions and schema changes of the local catalog.</summary>
sealed class CatalogTables(CatalogDatabase database)
{
    public async Task<CatalogTable?> GetTableAsync(string databaseName, string tableName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var key = new TableKey(databaseName, tableName);
        var table = await connection.QuerySingleOrDefaultAsync<TableRow>(new CommandDefinition("""
            SELECT Location, Classification, PartitionKeys, CreatedTime, UpdatedTime, UpdatedBy
            FROM Tables WHERE DatabaseName = @Database AND Name = @Table
            """, key, cancellationToken: cancellationToken));
        if (table is null)
        {
            return null;
        }

        var columns = await connection.QueryAsync<CatalogColumn>(new CommandDefinition("""
            SELECT Name, Type, SourceType FROM Columns
            WHERE DatabaseName = @Database AND TableName = @Table ORDER BY Position
            """, key, cancellationToken: cancellationToken));
        var partitions = await connection.QueryAsync<PartitionRow>(new CommandDefinition("""
            SELECT PartitionValues, Location, FileCount, RowCount, SizeBytes, Fingerprint, Columns FROM Partitions
            WHERE DatabaseName = @Database AND TableName = @Table ORDER BY Location
            """, key, cancellationToken: cancellationToken));
        return new CatalogTable(databaseName, tableName, table.Location, table.Classification,
            Deserialize<List<string>>(table.PartitionKeys), columns.AsList(),
            partitions.Select(p => new CatalogPartition(Deserialize<List<string>>(p.PartitionValues), p.Location,
                p.FileCount, p.RowCount, p.SizeBytes, p.Fingerprint, Deserialize<List<CatalogColumn>>(p.Columns))).ToList(),
            SqliteTime.ParseInstant(table.CreatedTime), SqliteTime.ParseInstant(table.UpdatedTime), table.UpdatedBy);
    }

    public async Task<IReadOnlyList<SchemaChange>> GetSchemaChangesAsync(
        string databaseName, string tableName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changes = await connection.QueryAsync<SchemaChangeRow>(new CommandDefinition("""
            SELECT ColumnName, Change, OldType, NewType, Location, DetectedTime, DetectedBy FROM SchemaChanges
            WHERE DatabaseName = @Database AND TableName = @Table ORDER BY Id
            """, new TableKey(databaseName, tableName), cancellationToken: cancellationToken));
        return changes.Select(c => new SchemaChange(c.ColumnName, c.Change, c.OldType, c.NewType, c.Location,
            SqliteTime.ParseInstant(c.DetectedTime), c.DetectedBy)).ToList();
    }

    public static Task UpsertDatabaseAsync(SqliteConnection connection, SqliteTransaction transaction,
        string name, string zone, string location, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO Databases (Name, Zone, Location, CreatedTime) VALUES (@Name, @Zone, @Location, @Now)
            ON CONFLICT (Name) DO UPDATE SET Zone = excluded.Zone, Location = excluded.Location
            """, new { Name = name, Zone = zone, Location = location, Now = SqliteTime.ToText(now) }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>
    /// Writes a table with its columns, adds or updates the partitions in <see cref="CatalogTable.Partitions"/>, and
    /// records schema changes. A crawl passes <paramref name="currentLocations"/> (every partition still on disk) so
    /// the others are dropped; a job passes null, touching only the partitions it wrote.
    /// </summary>
    public static async Task SaveTableAsync(SqliteConnection connection, SqliteTransaction transaction,
        CatalogTable table, IReadOnlyCollection<string>? currentLocations, IEnumerable<SchemaChange> changes,
        CancellationToken cancellationToken)
    {
        var key = new TableKey(table.Database, table.Name);
        await Execute("""
            INSERT INTO Tables (DatabaseName, Name, Location, Classification, PartitionKeys, CreatedTime, UpdatedTime,
                                UpdatedBy)
            VALUES (@Database, @Table, @Location, @Classification, @PartitionKeys, @CreatedTime, @UpdatedTime, @UpdatedBy)
            ON CONFLICT (DatabaseName, Name) DO UPDATE SET Location = excluded.Location,
                Classification = excluded.Classification, PartitionKeys = excluded.PartitionKeys,
                UpdatedTime = excluded.UpdatedTime, UpdatedBy = excluded.UpdatedBy;
            DELETE FROM Columns WHERE DatabaseName = @Database AND TableName = @Table;
            """, new
        {
            key.Database,
            key.Table,
            table.Location,
            table.Classification,
            PartitionKeys = JsonSerializer.Serialize(table.PartitionKeys),
            CreatedTime = SqliteTime.ToText(table.CreatedAt),
            UpdatedTime = SqliteTime.ToText(table.UpdatedAt),
            table.UpdatedBy,
        });
        if (currentLocations is not null)
        {
            await Execute("""
                DELETE FROM Partitions WHERE DatabaseName = @Database AND TableName = @Table
                    AND Location NOT IN (SELECT value FROM json_each(@Current))
                """, new { key.Database, key.Table, Current = JsonSerializer.Serialize(currentLocations) });
        }

        // One statement, executed once per row: Dapper rebinds the parameters of each.
        await Execute("""
            INSERT INTO Columns (DatabaseName, TableName, Position, Name, Type, SourceType)
            VALUES (@Database, @Table, @Position, @Name, @Type, @SourceType)
            """, table.Columns.Select((column, position) => new
        {
            key.Database,
            key.Table,
            Position = position,
            column.Name,
            column.Type,
            column.SourceType,
        }));
        var now = SqliteTime.ToText(table.UpdatedAt);
        await Execute("""
            INSERT INTO Partitions (DatabaseName, TableName, Location, PartitionValues, FileCount, RowCount, SizeBytes,
                                    Fingerprint, Columns, CreatedTime, UpdatedTime)
            VALUES (@Database, @Table, @Location, @PartitionValues, @FileCount, @RowCount, @SizeBytes, @Fingerprint,
                    @Columns, @Now, @Now)
            ON CONFLICT (DatabaseName, TableName, Location) DO UPDATE SET
                PartitionValues = excluded.PartitionValues, FileCount = excluded.FileCount,
                RowCount = excluded.RowCount, SizeBytes = excluded.SizeBytes,
                Fingerprint = excluded.Fingerprint, Columns = excluded.Columns, UpdatedTime = excluded.UpdatedTime
            """, table.Partitions.Select(partition => new
        {
            key.Database,
            key.Table,
            partition.Location,
            PartitionValues = JsonSerializer.Serialize(partition.Values),
            partition.FileCount,
            partition.RowCount,
            partition.SizeBytes,
            partition.Fingerprint,
            Columns = JsonSerializer.Serialize(partition.Columns),
            Now = now,
        }));
        await Execute("""
            INSERT INTO SchemaChanges (DatabaseName, TableName, ColumnName, Change, OldType, NewType, Location,
                                       DetectedTime, DetectedBy)
            VALUES (@Database, @Table, @Column, @Change, @OldType, @NewType, @Location, @DetectedTime, @DetectedBy)
            """, changes.Select(change => new
        {
            key.Database,
            key.Table,
            change.Column,
            change.Change,
            change.OldType,
            change.NewType,
            change.Location,
            DetectedTime = SqliteTime.ToText(change.DetectedAt),
            change.DetectedBy,
        }));

        Task Execute(string sql, object parameters) =>
            connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken));
    }

    static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json)
        ?? throw new InvalidDataException($"The catalog holds '{json}' where a {typeof(T).Name} was expected.");

    sealed record TableKey(string Database, string Table);

    sealed class TableRow
    {
        public string Location { get; init; } = "";
        public string Classification { get; init; } = "";
        public string PartitionKeys { get; init; } = "";
        public string CreatedTime { get; init; } = "";
        public string UpdatedTime { get; init; } = "";
        public string UpdatedBy { get; init; } = "";
    }

    sealed class PartitionRow
    {
        public string PartitionValues { get; init; } = "";
        public string Location { get; init; } = "";
        public int FileCount { get; init; }
        public long RowCount { get; init; }
        public long SizeBytes { get; init; }
        public string Fingerprint { get; init; } = "";
        public string Columns { get; init; } = "";
    }

    sealed class SchemaChangeRow
    {
        public string ColumnName { get; init; } = "";
        public string Change { get; init; } = "";
        public string? OldType { get; init; }
        public string NewType { get; init; } = "";
        public string? Location { get; init; }
        public string DetectedTime { get; init; } = "";
        public string DetectedBy { get; init; } = "";
    }
}
