using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orchestrator.Host.Hosting;
using Orchestrator.Tests.Engine;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// A store file the service cannot trust stops <c>serve</c> with one line naming the file and the setting, and is
/// left byte for byte as it was, with nothing created beside it; a store that becomes unwritable while the service
/// runs turns <c>/readyz</c> to 503 with the reason.
/// </summary>
public sealed class StoreFaultTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    string StoreFolder => Directory.CreateDirectory(directory.File("store")).FullName;

    string StorePath => Path.Combine(StoreFolder, "orchestrator.db");

    [Fact]
    public async Task Serve_refuses_a_store_with_damaged_pages_and_leaves_it_untouched()
    {
        await SqliteStoreStartupTests.DamagedStoreAsync(StorePath);
        var before = Snapshot();

        var (exitCode, error) = await ServeAsync();

        Assert.Equal(2, exitCode);
        Assert.Matches($"^Orchestrator:Store:Sqlite:Path: The store file '{System.Text.RegularExpressions.Regex.Escape(StorePath)}' is (damaged|corrupt)[^\n]*$", error);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Serve_refuses_another_programs_database_and_neither_it_nor_its_folder_changes()
    {
        using (var connection = new SqliteConnection($"Data Source={StorePath};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5);";
            command.ExecuteNonQuery();
        }

        var before = Snapshot();

        var (exitCode, error) = await ServeAsync();

        Assert.Equal(2, exitCode);
        Assert.Equal($"Orchestrator:Store:Sqlite:Path: The store file '{StorePath}' is another program's SQLite database (tables invoices; no Orchestrator schema); it was left untouched. Point the setting at a new path or move the file away.", error);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Serve_refuses_a_store_file_it_cannot_write()
    {
        await new Orchestrator.Storage.Sqlite.SqliteOrchestrationService(new(StorePath)).CreateIfNotExistsAsync();
        SqliteConnection.ClearAllPools();
        using var readOnly = await ReadOnlyFile.TryMakeAsync(StorePath);
        if (readOnly is null)
        {
            Assert.Skip(ReadOnlyFile.Unavailable);
        }

        var (exitCode, error) = await ServeAsync();

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"Orchestrator:Store:Sqlite:Path: The store file '{StorePath}' cannot be written", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public async Task Readiness_turns_503_with_the_reason_when_the_store_becomes_unwritable()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz", Token)).StatusCode);
        var store = Path.Combine(host.DataDirectory, "orchestrator.db");

        using (var readOnly = await ReadOnlyFile.TryMakeAsync(store))
        {
            if (readOnly is null)
            {
                Assert.Skip(ReadOnlyFile.Unavailable);
            }

            var response = await host.Client.GetAsync("/readyz", Token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var health = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
            Assert.Equal("not ready", health.GetProperty("status").GetString());
            Assert.Contains($"the store file '{store}' cannot be written", health.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz", Token)).StatusCode);
    }

    async Task<(int ExitCode, string Error)> ServeAsync()
    {
        var config = await TestHost.WriteConfigAsync(directory, orchestrator => orchestrator["Store"]!["Sqlite"]!["Path"] = StorePath, sampleRows: 0);
        using var errors = new StringWriter();
        var (app, exitCode) = await OrchestratorWebApp.BuildAsync(config, $"http://127.0.0.1:{TestHost.FreePort()}", errors, Token);
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        return (exitCode, errors.ToString().Trim());
    }

    string Snapshot() => SqliteStoreStartupTests.Snapshot(StoreFolder);

    public void Dispose() => directory.Dispose();
}
