using Microsoft.Data.Sqlite;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Engine;

/// <summary>
/// The store keeps its write connection and a few read connections open with their statements compiled: reads must
/// still see every commit, and a closed store must not read a deleted file through a connection kept from before.
/// </summary>
public sealed class SqliteDatabaseConnectionTests : IDisposable
{
    readonly TempDirectory directory = new();

    [Fact]
    public async Task Reads_on_kept_connections_see_every_commit_while_the_writer_works()
    {
        var database = await CreateAsync("kept.db", "first");
        for (var id = 1; id <= 300; id++)
        {
            await database.WriteGroupedAsync((connection, transaction) =>
                connection.Execute("INSERT INTO Rows (Id, Value) VALUES (@id, @v);", transaction, ("@id", id), ("@v", $"row {id}")));

            // Several readers at once, so more than one kept connection serves them.
            var counts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
                database.Read(connection => Convert.ToInt32(connection.Scalar("SELECT COUNT(*) FROM Rows WHERE Value LIKE 'row %';"), System.Globalization.CultureInfo.InvariantCulture)),
                TestContext.Current.CancellationToken)));
            Assert.All(counts, count => Assert.Equal(id, count));
        }

        await database.CloseConnectionsAsync();
    }

    [Fact]
    public async Task After_its_connections_close_a_recreated_file_is_read_afresh()
    {
        var database = await CreateAsync("recreated.db", "before");
        Assert.Equal("before", ReadMarker(database));

        await database.CloseConnectionsAsync();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(database.Path + suffix);
        }

        await CreateTableAsync(database, "after");
        Assert.Equal("after", ReadMarker(database));
        await database.CloseConnectionsAsync();
    }

    async Task<SqliteDatabase> CreateAsync(string name, string marker)
    {
        var database = new SqliteDatabase(directory.File(name), TimeSpan.FromSeconds(5));
        await CreateTableAsync(database, marker);
        return database;
    }

    static async Task CreateTableAsync(SqliteDatabase database, string marker)
    {
        using (var connection = database.Open())
        {
            connection.Execute("PRAGMA journal_mode = WAL;");
        }

        await database.WriteAsync((connection, transaction) => connection.Execute(
            "CREATE TABLE Rows (Id INTEGER PRIMARY KEY, Value TEXT NOT NULL); INSERT INTO Rows (Id, Value) VALUES (0, @marker);",
            transaction, ("@marker", marker)), TestContext.Current.CancellationToken);
    }

    static string? ReadMarker(SqliteDatabase database) =>
        database.Read(connection => connection.Scalar("SELECT Value FROM Rows WHERE Id = 0;") as string);

    public void Dispose() => directory.Dispose();
}
