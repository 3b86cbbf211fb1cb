using DurableTask.Core;
using Microsoft.Data.Sqlite;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Storage;

/// <summary>
/// Schema 5 keeps an instance's input and output out of the row every checkpoint rewrites: a store of schema 4
/// upgrades in place with every input and output still readable, and a purge takes them with the instance.
/// </summary>
public sealed class InstancePayloadTests : IDisposable
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static readonly DateTime Finished = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    readonly TempDirectory directory = new();

    [Fact]
    public async Task A_schema_4_store_upgrades_in_place_and_keeps_every_input_and_output()
    {
        var path = directory.File("orchestrator.db");
        KeyedListingTests.WriteStoreOfSchema(path, 4);
        using (var connection = Open(path))
        {
            Execute(connection, "UPDATE Instances SET Input = '\"the input of ' || InstanceId || '\"', Output = '\"the output\"' WHERE InstanceId <> 'q@3';");
        }

        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(path));
        await store.CreateIfNotExistsAsync();

        var p1 = await store.GetOrchestrationStateAsync("p@1", null);
        Assert.Equal("\"the input of p@1\"", p1?.Input);
        Assert.Equal("\"the output\"", p1?.Output);
        var q3 = await store.GetOrchestrationStateAsync("q@3", null);
        Assert.NotNull(q3);
        Assert.Null(q3.Input);
        using (var connection = Open(path))
        {
            var columns = Query(connection, "SELECT name FROM pragma_table_info('Instances');");
            Assert.DoesNotContain("Input", columns);
            Assert.DoesNotContain("Output", columns);
            Assert.Equal(["p@1", "p@2"], Query(connection, "SELECT InstanceId FROM InstancePayloads ORDER BY InstanceId;"));
        }
    }

    [Fact]
    public async Task Inputs_and_outputs_read_back_and_go_with_a_purge()
    {
        var path = directory.File("orchestrator.db");
        var store = new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(path));
        await store.CreateAsync(recreateInstanceStore: false);
        await store.ImportFinishedAsync(
        [
            new FinishedInstance("p@1", "e", "Run", OrchestrationStatus.Completed, Finished, Finished, "\"in 1\"", "\"out 1\"", null),
            new FinishedInstance("p@2", "e", "Run", OrchestrationStatus.Completed, Finished, Finished, "\"in 2\"", null, null),
        ], Token);

        var query = await store.GetOrchestrationWithQueryAsync(new DurableTask.Core.Query.OrchestrationQuery { FetchInputsAndOutputs = true }, Token);
        Assert.Equal([("p@2", "\"in 2\"", null), ("p@1", "\"in 1\"", "\"out 1\"")],
            query.OrchestrationState.Select(s => (s.OrchestrationInstance.InstanceId, s.Input, (string?)s.Output)));
        var brief = await store.GetOrchestrationWithQueryAsync(new DurableTask.Core.Query.OrchestrationQuery { FetchInputsAndOutputs = false }, Token);
        Assert.All(brief.OrchestrationState, s => Assert.Null(s.Input));

        await store.PurgeInstanceStateAsync("p@1");

        Assert.Null(await store.GetOrchestrationStateAsync("p@1", null));
        using var connection = Open(path);
        Assert.Equal(["p@2"], Query(connection, "SELECT InstanceId FROM InstancePayloads;"));
    }

    static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    static void Execute(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    static List<string> Query(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public void Dispose() => directory.Dispose();
}
