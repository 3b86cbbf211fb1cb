using Microsoft.Data.Sqlite;
using Orchestrator.Storage;
using Orchestrator.Storage.Journals;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Storage;

/// <summary>The journal on a real SQLite store file: the conformance scenarios, reopening, index plans and the schema 3 → 4 upgrade.</summary>
public sealed class SqliteJournalTests : JournalConformanceTests, IDisposable
{
    readonly TempDirectory directory = new();

    string Path => directory.File("orchestrator.db");

    protected override async Task<IJournal> OpenAsync()
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(Path));
        await store.CreateIfNotExistsAsync();
        return DurableStore.From(store).Journal!;
    }

    [Fact]
    public async Task Entries_survive_reopening_the_store_file()
    {
        await (await OpenAsync()).AppendAsync([Entry("a"), Entry("b")], Token);
        SqliteConnection.ClearAllPools();

        var reopened = await OpenAsync();

        Assert.Equal(["a", "b"], (await reopened.ReadAsync(new JournalQuery(Stream, 0, 10), Token)).Entries.Select(e => e.DedupeKey));
        Assert.Equal(0, await reopened.AppendAsync([Entry("a")], Token));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public async Task Every_read_is_an_index_search_in_sequence_order(bool scope, bool subscope, bool correlation)
    {
        await OpenAsync();
        var (sql, parameters) = SqliteJournal.ReadQuery(new JournalQuery(Stream, 5, 10)
        {
            Scope = scope ? "p" : null,
            Subscope = subscope ? "e" : null,
            Correlation = correlation ? "r" : null,
        });

        using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        using var explain = new SqliteCommand($"EXPLAIN QUERY PLAN {sql}", connection);
        foreach (var (name, value) in parameters)
        {
            explain.Parameters.AddWithValue(name, value);
        }

        using var reader = explain.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.NotEmpty(plan);
        Assert.All(plan, line => Assert.Matches(@"^SEARCH Journal USING INDEX IX_Journal_Stream\w* \(.*rowid>\?\)", line));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_schema_3_store_upgrades_in_place_keeps_its_instances_and_journals()
    {
        KeyedListingTests.WriteStoreOfSchema(Path, 3);

        var journal = await OpenAsync();

        using (var connection = new SqliteConnection($"Data Source={Path};Pooling=False"))
        {
            connection.Open();
            Assert.Equal((long)SqliteOrchestrationService.SchemaVersion, new SqliteCommand("PRAGMA user_version;", connection).ExecuteScalar());
            Assert.Equal(3L, new SqliteCommand("SELECT count(*) FROM Instances;", connection).ExecuteScalar());
            Assert.Equal((long)SqliteOrchestrationService.SchemaVersion, new SqliteCommand("SELECT max(Version) FROM SchemaVersions;", connection).ExecuteScalar());
        }

        Assert.Equal(1, await journal.AppendAsync([Entry("a")], Token));
        Assert.Single((await journal.ReadAsync(new JournalQuery(Stream, 0, 10), Token)).Entries);
    }

    public void Dispose() => directory.Dispose();
}
