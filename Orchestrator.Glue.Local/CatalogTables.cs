using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>Databases, tables, columns, partitions and schema changes of the local catalog.</summary>
sealed class CatalogTables(CatalogDatabase database)
{
    public async Task<CatalogTable?> GetTableAsync(string databaseName, string tableName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT location, classification, partition_keys, created_at, updated_at, updated_by
            FROM tables WHERE database_name = $db AND name = $table
            """;
        AddKey(command, databaseName, tableName);
        string location, classification, partitionKeys, updatedBy;
        DateTimeOffset createdAt, updatedAt;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            (location, classification, partitionKeys) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            (createdAt, updatedAt) = (CatalogTime.Parse(reader.GetString(3)), CatalogTime.Parse(reader.GetString(4)));
            updatedBy = reader.GetString(5);
        }

        command.CommandText = """
            SELECT name, type, source_type FROM columns
            WHERE database_name = $db AND table_name = $table ORDER BY position
            """;
        var columns = new List<CatalogColumn>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(new CatalogColumn(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        command.CommandText = """
            SELECT partition_values, location, file_count, row_count, size_bytes, fingerprint, columns FROM partitions
            WHERE database_name = $db AND table_name = $table ORDER BY location
            """;
        var partitions = new List<CatalogPartition>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                partitions.Add(new CatalogPartition(
                    Deserialize<List<string>>(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2),
                    reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5),
                    Deserialize<List<CatalogColumn>>(reader.GetString(6))));
            }
        }

        return new CatalogTable(databaseName, tableName, location, classification,
            Deserialize<List<string>>(partitionKeys), columns, partitions, createdAt, updatedAt, updatedBy);
    }

    public async Task<IReadOnlyList<SchemaChange>> GetSchemaChangesAsync(
        string databaseName, string tableName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT column_name, change, old_type, new_type, location, detected_at, detected_by FROM schema_changes
            WHERE database_name = $db AND table_name = $table ORDER BY id
            """;
        AddKey(command, databaseName, tableName);
        var changes = new List<SchemaChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new SchemaChange(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), CatalogTime.Parse(reader.GetString(5)),
                reader.GetString(6)));
        }

        return changes;
    }

    public static async Task UpsertDatabaseAsync(SqliteConnection connection, SqliteTransaction transaction,
        string name, string zone, string location, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO databases (name, zone, location, created_at) VALUES ($name, $zone, $location, $now)
            ON CONFLICT (name) DO UPDATE SET zone = excluded.zone, location = excluded.location
            """;
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$zone", zone);
        command.Parameters.AddWithValue("$location", location);
        command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Writes a table with its columns, adds or updates the partitions in <see cref="CatalogTable.Partitions"/>, and
    /// records schema changes. A crawl passes <paramref name="currentLocations"/> (every partition still on disk) so
    /// the others are dropped; a job passes null, touching only the partitions it wrote.
    /// </summary>
    public static async Task SaveTableAsync(SqliteConnection connection, SqliteTransaction transaction,
        CatalogTable table, IReadOnlyCollection<string>? currentLocations, IEnumerable<SchemaChange> changes,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        AddKey(command, table.Database, table.Name);
        command.Parameters.AddWithValue("$location", table.Location);
        command.Parameters.AddWithValue("$classification", table.Classification);
        command.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(table.PartitionKeys));
        command.Parameters.AddWithValue("$created", CatalogTime.Format(table.CreatedAt));
        command.Parameters.AddWithValue("$updated", CatalogTime.Format(table.UpdatedAt));
        command.Parameters.AddWithValue("$by", table.UpdatedBy);
        command.CommandText = """
            INSERT INTO tables (database_name, name, location, classification, partition_keys, created_at,
                                updated_at, updated_by)
            VALUES ($db, $table, $location, $classification, $keys, $created, $updated, $by)
            ON CONFLICT (database_name, name) DO UPDATE SET location = excluded.location,
                classification = excluded.classification, partition_keys = excluded.partition_keys,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by;
            DELETE FROM columns WHERE database_name = $db AND table_name = $table;
            """;
        if (currentLocations is not null)
        {
            command.CommandText += """
                DELETE FROM partitions WHERE database_name = $db AND table_name = $table
                    AND location NOT IN (SELECT value FROM json_each($current));
                """;
            command.Parameters.AddWithValue("$current", JsonSerializer.Serialize(currentLocations));
        }

        await command.ExecuteNonQueryAsync(cancellationToken);

        await using var insertColumn = connection.CreateCommand();
        insertColumn.Transaction = transaction;
        insertColumn.CommandText = """
            INSERT INTO columns (database_name, table_name, position, name, type, source_type)
            VALUES ($db, $table, $position, $name, $type, $source)
            """;
        AddKey(insertColumn, table.Database, table.Name);
        var position = insertColumn.Parameters.Add("$position", SqliteType.Integer);
        var name = insertColumn.Parameters.Add("$name", SqliteType.Text);
        var type = insertColumn.Parameters.Add("$type", SqliteType.Text);
        var source = insertColumn.Parameters.Add("$source", SqliteType.Text);
        for (var i = 0; i < table.Columns.Count; i++)
        {
            (position.Value, name.Value) = (i, table.Columns[i].Name);
            (type.Value, source.Value) = (table.Columns[i].Type, table.Columns[i].SourceType);
            await insertColumn.ExecuteNonQueryAsync(cancellationToken);
        }

        await SavePartitionsAsync(connection, transaction, table, cancellationToken);
        await SaveChangesAsync(connection, transaction, table, changes, cancellationToken);
    }

    static async Task SavePartitionsAsync(SqliteConnection connection, SqliteTransaction transaction,
        CatalogTable table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO partitions (database_name, table_name, location, partition_values, file_count, row_count,
                                    size_bytes, fingerprint, columns, created_at, updated_at)
            VALUES ($db, $table, $location, $values, $files, $rows, $bytes, $fingerprint, $columns, $now, $now)
            ON CONFLICT (database_name, table_name, location) DO UPDATE SET
                partition_values = excluded.partition_values, file_count = excluded.file_count,
                row_count = excluded.row_count, size_bytes = excluded.size_bytes,
                fingerprint = excluded.fingerprint, columns = excluded.columns, updated_at = excluded.updated_at
            """;
        AddKey(command, table.Database, table.Name);
        command.Parameters.AddWithValue("$now", CatalogTime.Format(table.UpdatedAt));
        var location = command.Parameters.Add("$location", SqliteType.Text);
        var values = command.Parameters.Add("$values", SqliteType.Text);
        var files = command.Parameters.Add("$files", SqliteType.Integer);
        var rows = command.Parameters.Add("$rows", SqliteType.Integer);
        var bytes = command.Parameters.Add("$bytes", SqliteType.Integer);
        var fingerprint = command.Parameters.Add("$fingerprint", SqliteType.Text);
        var columns = command.Parameters.Add("$columns", SqliteType.Text);
        foreach (var partition in table.Partitions)
        {
            (location.Value, values.Value) = (partition.Location, JsonSerializer.Serialize(partition.Values));
            (files.Value, rows.Value, bytes.Value) = (partition.FileCount, partition.RowCount, partition.SizeBytes);
            (fingerprint.Value, columns.Value) = (partition.Fingerprint, JsonSerializer.Serialize(partition.Columns));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    static async Task SaveChangesAsync(SqliteConnection connection, SqliteTransaction transaction,
        CatalogTable table, IEnumerable<SchemaChange> changes, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO schema_changes (database_name, table_name, column_name, change, old_type, new_type,
                                        location, detected_at, detected_by)
            VALUES ($db, $table, $column, $change, $old, $new, $location, $at, $by)
            """;
        AddKey(command, table.Database, table.Name);
        var column = command.Parameters.Add("$column", SqliteType.Text);
        var change = command.Parameters.Add("$change", SqliteType.Text);
        var oldType = command.Parameters.Add("$old", SqliteType.Text);
        var newType = command.Parameters.Add("$new", SqliteType.Text);
        var location = command.Parameters.Add("$location", SqliteType.Text);
        var at = command.Parameters.Add("$at", SqliteType.Text);
        var by = command.Parameters.Add("$by", SqliteType.Text);
        foreach (var item in changes)
        {
            (column.Value, change.Value, newType.Value) = (item.Column, item.Change, item.NewType);
            (oldType.Value, location.Value) = ((object?)item.OldType ?? DBNull.Value, (object?)item.Location ?? DBNull.Value);
            (at.Value, by.Value) = (CatalogTime.Format(item.DetectedAt), item.DetectedBy);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    static void AddKey(SqliteCommand command, string databaseName, string tableName)
    {
        command.Parameters.AddWithValue("$db", databaseName);
        command.Parameters.AddWithValue("$table", tableName);
    }

    static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json)
        ?? throw new InvalidDataException($"The catalog holds '{json}' where a {typeof(T).Name} was expected.");
}
