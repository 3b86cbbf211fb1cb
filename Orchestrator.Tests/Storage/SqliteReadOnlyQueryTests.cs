using Orchestrator.Sqlite;

namespace Orchestrator.Tests.Storage;

/// <summary>The read-only query the soak and the tests use to look into a running host's store and catalog.</summary>
public sealed class SqliteReadOnlyQueryTests : IDisposable
{
    readonly TempDirectory directory = new();

    [Fact]
    public void It_reads_what_a_writer_holding_the_file_open_has_committed()
    {
        var path = directory.File("catalog.db");
        using var writer = new SqliteFile(path, TimeSpan.FromSeconds(5), SqliteDurability.SurvivesProcessCrash).Open();
        using (var command = writer.CreateCommand())
        {
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE JobRuns (Id TEXT, State TEXT);
                INSERT INTO JobRuns VALUES ('jr_1', 'RUNNING'), ('jr_2', 'SUCCEEDED'), ('jr_3', 'RUNNING');
                """;
            command.ExecuteNonQuery();
        }

        var running = SqliteFile.QueryReadOnly(path, "SELECT Id FROM JobRuns WHERE State = @state ORDER BY Id", r => r.GetString(0), ("@state", "RUNNING"));

        Assert.Equal(["jr_1", "jr_3"], running);
    }

    [Fact]
    public void A_file_not_created_yet_reads_as_no_rows_and_stays_uncreated()
    {
        var path = directory.File("orchestrator.db");

        Assert.Empty(SqliteFile.QueryReadOnly(path, "SELECT 1 FROM Instances", r => r.GetInt32(0)));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_table_not_created_yet_reads_as_no_rows_but_a_wrong_query_still_fails()
    {
        var path = directory.File("catalog.db");
        using (var writer = new SqliteFile(path, TimeSpan.FromSeconds(5), SqliteDurability.SurvivesProcessCrash).Open())
        using (var command = writer.CreateCommand())
        {
            command.CommandText = "CREATE TABLE Crawls (CrawlerName TEXT);";
            command.ExecuteNonQuery();
        }

        Assert.Empty(SqliteFile.QueryReadOnly(path, "SELECT Id FROM JobRuns", r => r.GetString(0)));
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => SqliteFile.QueryReadOnly(path, "SELECT Nope FROM Crawls", r => r.GetString(0)));
    }

    public void Dispose() => directory.Dispose();
}
