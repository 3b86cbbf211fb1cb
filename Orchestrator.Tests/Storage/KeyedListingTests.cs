using System.Globalization;
using System.Text.RegularExpressions;
using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Data.Sqlite;
using Orchestrator.Storage.Listings;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Storage.SqlServer;

namespace Orchestrator.Tests.Storage;

/// <summary>
/// The store's keyed listing (<see cref="IInstanceListing"/>): every filter combination is an index SEARCH in listing
/// order on SQLite (EXPLAIN QUERY PLAN: no scan of Instances, no sort), a store of schema 2 upgrades in place and keeps
/// its instances, and the SQL Server adapter, which filters after its query, lists exactly what SQLite lists.
/// </summary>
public sealed class KeyedListingTests : IDisposable
{
    const string Name = "Run";
    // '%' and '_' are LIKE's wildcards: a prefix match would take "pxq" in for "p_q", and "p%q" for "p%".
    static readonly string[] Groups = ["p", "p-q", "p_q", "pxq", "p%", "p%q"];
    static readonly DateTime Newest = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string?, string, string, bool> Filters()
    {
        var data = new TheoryData<string?, string, string, bool>();
        foreach (var group in new[] { null, "p", "p_q", "p%" })
        {
            foreach (var outcomes in new[] { string.Empty, "3", "2,Succeeded,Completed", "Running,Suspended,ContinuedAsNew" })
            {
                foreach (var range in new[] { string.Empty, "from", "to", "from,to" })
                {
                    data.Add(group, outcomes, range, false);
                    data.Add(group, outcomes, range, true);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Every_filter_combination_is_an_index_search_in_listing_order(string? group, string outcomes, string range, bool after)
    {
        var path = directory.File("orchestrator.db");
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(path));
        await store.CreateAsync(recreateInstanceStore: false);
        await store.ImportFinishedAsync(Instances(), Token);
        var filter = Filter(group, outcomes, range, after ? new ListingPosition(Newest.AddHours(-3), "p@5") : null);

        var (sql, parameters) = SqliteOrchestrationService.ListingQuery(filter);
        var plan = Explain(path, sql, parameters);

        var reads = plan.Where(line => line.Contains("Instances", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(reads);
        Assert.All(reads, line => Assert.Matches(@"^SEARCH Instances USING INDEX IX_Instances_(Group_)?Name_(Outcome_)?Created \(", line));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal) || line.StartsWith("SCAN", StringComparison.Ordinal));
        Assert.Equal(outcomes.Length == 0 ? 1 : outcomes.Split(',').Length, reads.Count);
    }

    [Fact]
    public async Task A_schema_2_store_upgrades_in_place_keeps_its_instances_and_lists_them_by_group_and_outcome()
    {
        var path = directory.File("orchestrator.db");
        WriteStoreOfSchema(path, 2);
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(path));

        await store.CreateIfNotExistsAsync();

        using (var connection = Open(path))
        {
            using var version = new SqliteCommand("PRAGMA user_version;", connection);
            Assert.Equal((long)SqliteOrchestrationService.SchemaVersion, version.ExecuteScalar());
            using var count = new SqliteCommand("SELECT count(*) FROM Instances;", connection);
            Assert.Equal(3L, count.ExecuteScalar());
        }

        var failed = await store.ListInstancesAsync(new InstanceFilter(Name, 10) { Group = "p", Outcomes = ["3", "Failed"] }, Token);
        Assert.Equal(["p@2", "p@1"], failed.Instances.Select(i => i.OrchestrationInstance.InstanceId));
        var all = await store.ListInstancesAsync(new InstanceFilter(Name, 10), Token);
        Assert.Equal(["q@3", "p@2", "p@1"], all.Instances.Select(i => i.OrchestrationInstance.InstanceId));
    }

    [Fact]
    public async Task A_custom_status_that_is_not_json_is_written_and_reads_as_nothing_reported()
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        await store.CreateAsync(recreateInstanceStore: false);

        await store.ImportFinishedAsync(
        [
            new FinishedInstance("p@1", "e", Name, OrchestrationStatus.Completed, Newest, Newest, null, null, "{\"Status\":"),
            new FinishedInstance("p@2", "e", Name, OrchestrationStatus.Completed, Newest, Newest, null, null, "\"just text\""),
        ], Token);

        var completed = await store.ListInstancesAsync(new InstanceFilter(Name, 10) { Outcomes = ["Completed"] }, Token);
        Assert.Equal(["p@2", "p@1"], completed.Instances.Select(i => i.OrchestrationInstance.InstanceId));
        Assert.All(completed.Instances, i => Assert.Equal("Completed", InstanceOutcomes.Of(i.OrchestrationStatus, i.Status)));
    }

    [Fact]
    public async Task A_listed_instance_carries_its_tags_read_when_first_used()
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        await store.CreateAsync(recreateInstanceStore: false);
        await store.ImportFinishedAsync(
        [
            new FinishedInstance("p@1", "e", Name, OrchestrationStatus.Completed, Newest, Newest, null, null, null,
                new Dictionary<string, string> { ["kind"] = "Scheduled", ["slot"] = "2026-11-30T12:00:00.0000000Z", ["origin"] = "p@0 \"quoted\"" }),
            new FinishedInstance("p@2", "e", Name, OrchestrationStatus.Completed, Newest.AddMinutes(1), Newest.AddMinutes(1), null, null, null),
        ], Token);

        var page = await store.ListInstancesAsync(new InstanceFilter(Name, 10), Token);

        Assert.Equal(["p@2", "p@1"], page.Instances.Select(i => i.OrchestrationInstance.InstanceId));
        Assert.Empty(page.Instances[0].Tags ?? new Dictionary<string, string>());
        var tags = page.Instances[1].Tags!;
        Assert.Equal(3, tags.Count);
        Assert.Equal("Scheduled", tags["kind"]);
        Assert.Equal("p@0 \"quoted\"", tags.TryGetValue("origin", out var origin) ? origin : null);
        Assert.Equal(new Dictionary<string, string> { ["kind"] = "Scheduled", ["slot"] = "2026-11-30T12:00:00.0000000Z", ["origin"] = "p@0 \"quoted\"" }, new Dictionary<string, string>(tags));
        Assert.Equal(tags.OrderBy(t => t.Key), (await store.GetOrchestrationStateAsync("p@1", executionId: null))!.Tags!.OrderBy(t => t.Key));
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task The_sql_server_adapter_lists_exactly_what_the_sqlite_store_lists(string? group, string outcomes, string range, bool after)
    {
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(directory.File("orchestrator.db")));
        await store.CreateAsync(recreateInstanceStore: false);
        await store.ImportFinishedAsync(Instances(), Token);
        var adapter = new NewestFirstQueryClient(new LikeMatchingOldestFirst(store), TimeProvider.System);

        var filter = Filter(group, outcomes, range, after ? new ListingPosition(Newest.AddHours(-3), "p@5") : null) with { Limit = 4 };

        var expected = await ListAllAsync(store, filter);

        Assert.Equal(expected, await ListAllAsync(adapter, filter));
        Assert.All(expected, id => Assert.Equal(group ?? InstanceGroups.Of(id), InstanceGroups.Of(id)));
    }

    static InstanceFilter Filter(string? group, string outcomes, string range, ListingPosition? after) => new(Name, 5)
    {
        Group = group,
        Outcomes = outcomes.Length == 0 ? null : outcomes.Split(','),
        CreatedFrom = range.Contains("from", StringComparison.Ordinal) ? Newest.AddHours(-20) : null,
        CreatedTo = range.Contains("to", StringComparison.Ordinal) ? Newest.AddHours(-2) : null,
        After = after,
    };

    static async Task<List<string>> ListAllAsync(IInstanceListing listing, InstanceFilter filter)
    {
        var ids = new List<string>();
        var next = filter;
        while (true)
        {
            var page = await listing.ListInstancesAsync(next, Token);
            Assert.True(page.Instances.Count <= filter.Limit);
            ids.AddRange(page.Instances.Select(i => i.OrchestrationInstance.InstanceId));
            if (!page.HasMore)
            {
                return ids;
            }

            var last = page.Instances[^1];
            next = filter with { After = new ListingPosition(last.CreatedTime, last.OrchestrationInstance.InstanceId) };
        }
    }

    /// <summary>Every group with every outcome, an hour apart, some sharing a creation time; and instances of another orchestration.</summary>
    static IEnumerable<FinishedInstance> Instances()
    {
        (OrchestrationStatus, string?)[] outcomes =
        [
            (OrchestrationStatus.Completed, "{\"Status\":3}"), (OrchestrationStatus.Completed, "{\"Status\":2}"),
            (OrchestrationStatus.Completed, null), (OrchestrationStatus.Failed, "{\"Status\":1}"),
            (OrchestrationStatus.Terminated, null), (OrchestrationStatus.Completed, "{\"Status\":\"Succeeded\"}"),
        ];
        for (var i = 0; i < 60; i++)
        {
            var group = Groups[i % Groups.Length];
            var created = Newest.AddHours(-(i / 2));
            var (status, custom) = outcomes[i / Groups.Length % outcomes.Length];
            yield return new FinishedInstance($"{group}@{i}", "e", Name, status, created, created, null, null, custom);
            if (i % 7 == 0)
            {
                yield return new FinishedInstance($"{group}@{i}/step", "e", "Step", OrchestrationStatus.Completed, created, created, null, null, "{\"Status\":3}");
            }
        }
    }

    static List<string> Explain(string path, string sql, (string Name, object? Value)[] parameters)
    {
        using var connection = Open(path);
        using var command = new SqliteCommand($"EXPLAIN QUERY PLAN {sql}", connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(3));
        }

        return lines;
    }

    static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>
    /// A store as schema <paramref name="schema"/> left it, written with the shipped scripts up to it and recorded as the
    /// migrator records them, holding three finished instances (p@1, p@2, q@3).
    /// </summary>
    internal static void WriteStoreOfSchema(string path, int schema)
    {
        using var connection = Open(path);
        var assembly = typeof(SqliteOrchestrationService).Assembly;
        var sql = string.Concat(Enumerable.Range(1, schema).Select(version =>
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream($"Orchestrator.Storage.Sqlite.Scripts.schema-{version}.sql")!);
            return reader.ReadToEnd();
        }));
        const string Row = "INSERT INTO Instances (InstanceId, ExecutionId, Name, RuntimeStatus, CreatedTime, LastUpdatedTime, CustomStatus) VALUES";
        using var command = new SqliteCommand($$"""
            PRAGMA journal_mode = WAL;
            {{sql}}
            CREATE TABLE SchemaVersions (Version INTEGER NOT NULL PRIMARY KEY, AppliedTime TEXT NOT NULL);
            INSERT INTO SchemaVersions VALUES {{string.Join(", ", Enumerable.Range(1, schema).Select(v => $"({v}, '2026-11-01T00:00:00.0000000Z')"))}};
            PRAGMA user_version = {{schema}};
            {{Row}} ('p@1', 'e', '{{Name}}', 'Completed', '2026-11-01T00:00:01.0000000Z', '2026-11-01T00:00:01.0000000Z', '{"Status":3}');
            {{Row}} ('p@2', 'e', '{{Name}}', 'Failed', '2026-11-01T00:00:02.0000000Z', '2026-11-01T00:00:02.0000000Z', NULL);
            {{Row}} ('q@3', 'e', '{{Name}}', 'Completed', '2026-11-01T00:00:03.0000000Z', '2026-11-01T00:00:03.0000000Z', '{"Status":3}');
            """, connection);
        command.ExecuteNonQuery();
    }

    public void Dispose() => directory.Dispose();

    /// <summary>
    /// Lists like DurableTask.SqlServer 1.8: oldest first, the continuation token a page number, and the id prefix
    /// matched with LIKE, so '_' and '%' in it are wildcards.
    /// </summary>
    sealed class LikeMatchingOldestFirst(SqliteOrchestrationService store) : IOrchestrationServiceQueryClient
    {
        public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
        {
            var request = new OrchestrationQuery { RuntimeStatus = query.RuntimeStatus, CreatedTimeFrom = query.CreatedTimeFrom, CreatedTimeTo = query.CreatedTimeTo, PageSize = 1000 };
            var all = (await store.GetOrchestrationWithQueryAsync(request, cancellationToken)).OrchestrationState.ToList();
            if (query.InstanceIdPrefix is { } prefix)
            {
                var like = new Regex("^" + string.Concat(prefix.Select(c => c switch { '_' => ".", '%' => ".*", _ => Regex.Escape(c.ToString()) })), RegexOptions.Singleline);
                all = all.Where(s => like.IsMatch(s.OrchestrationInstance.InstanceId)).ToList();
            }

            all.Reverse();
            var pageNumber = query.ContinuationToken is null ? 0 : int.Parse(query.ContinuationToken, CultureInfo.InvariantCulture);
            var rows = all.Skip(pageNumber * query.PageSize).Take(query.PageSize).ToList();
            var more = (pageNumber + 1) * query.PageSize < all.Count;
            return new OrchestrationQueryResult(rows, more ? (pageNumber + 1).ToString(CultureInfo.InvariantCulture) : null);
        }
    }
}
