using Microsoft.Data.Sqlite;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Engine;

/// <summary>Group commit on the store's writer: writes queued behind a running transaction share the next one, and one that fails rolls back alone.</summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    readonly TempDirectory directory = new();

    [Fact]
    public async Task Writes_queued_behind_the_writer_commit_together_and_a_failing_one_rolls_back_alone()
    {
        var database = new SqliteDatabase(directory.File("group.db"), TimeSpan.FromSeconds(5));
        await database.WriteAsync((connection, transaction) => connection.Execute("CREATE TABLE Rows (Id INTEGER PRIMARY KEY);", transaction), TestContext.Current.CancellationToken);

        // Hold the writer so the next writes queue up behind it.
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var blocker = Task.Run(() => database.WriteAsync((_, _) =>
        {
            holding.Set();
            release.Wait(TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        Assert.True(holding.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        var writes = Enumerable.Range(1, 20).Select(id => Task.Run(() => database.WriteGroupedAsync((connection, transaction) =>
        {
            connection.Execute("INSERT INTO Rows (Id) VALUES (@id);", transaction, ("@id", id));
            if (id == 7)
            {
                throw new InvalidOperationException("lock lost");
            }

            return id;
        }), TestContext.Current.CancellationToken)).ToList();
        await Task.Delay(300, TestContext.Current.CancellationToken);
        release.Set();
        await blocker;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[6]);
        Assert.Equal("lock lost", failure.Message);
        var succeeded = await Task.WhenAll(writes.Where((_, i) => i != 6));
        Assert.Equal(Enumerable.Range(1, 20).Where(id => id != 7), succeeded.Order());

        var ids = database.Read(connection => connection.Query("SELECT Id FROM Rows ORDER BY Id;", r => r.GetInt32(0)));
        Assert.Equal(Enumerable.Range(1, 20).Where(id => id != 7), ids);
        SqliteConnection.ClearAllPools();
        await database.CloseConnectionsAsync();
    }

    public void Dispose() => directory.Dispose();
}
