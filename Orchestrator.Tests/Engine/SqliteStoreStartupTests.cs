using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Tests.Engine;

/// <summary>What a user sees when the store file cannot be used: one clear error, and the file left as it was.</summary>
public sealed class SqliteStoreStartupTests : IDisposable
{
    readonly TempDirectory directory = new();

    string StorePath => directory.File("orchestrator.db");

    static SqliteOrchestrationService Store(string path) =>
        new(new SqliteOrchestrationServiceSettings(path) { BusyTimeout = TimeSpan.FromMilliseconds(300) });

    [Fact]
    public async Task A_new_store_is_created_in_WAL_mode_with_its_schema_version_recorded()
    {
        await Store(directory.File("nested/dir/orchestrator.db")).CreateIfNotExistsAsync();

        using var connection = new SqliteConnection($"Data Source={directory.File("nested/dir/orchestrator.db")}");
        connection.Open();
        Assert.Equal("wal", connection.Scalar("PRAGMA journal_mode;"));
        Assert.Equal((long)SqliteOrchestrationService.SchemaVersion, connection.Scalar("PRAGMA user_version;"));
        Assert.Equal((long)SqliteOrchestrationService.SchemaVersion, connection.Scalar("SELECT MAX(Version) FROM SchemaVersions;"));
    }

    [Fact]
    public async Task Creating_twice_is_harmless()
    {
        await Store(StorePath).CreateIfNotExistsAsync();
        await Store(StorePath).CreateIfNotExistsAsync();

        using var connection = new SqliteConnection($"Data Source={StorePath}");
        connection.Open();
        Assert.Equal((long)SqliteOrchestrationService.SchemaVersion, connection.Scalar("SELECT COUNT(*) FROM SchemaVersions;"));
    }

    [Fact]
    public async Task A_file_that_is_not_SQLite_is_refused_and_left_untouched()
    {
        await File.WriteAllTextAsync(StorePath, "these are my notes, not a database\n", TestContext.Current.CancellationToken);
        var before = Hash(StorePath);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains("is not a SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
        Assert.False(File.Exists(StorePath + "-wal"));
    }

    [Fact]
    public async Task A_corrupt_SQLite_file_is_refused_and_left_untouched()
    {
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);
        "SQLite format 3\0"u8.CopyTo(bytes);
        await File.WriteAllBytesAsync(StorePath, bytes, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StorePath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_store_with_a_newer_schema_is_refused_and_never_modified()
    {
        using (var connection = new SqliteConnection($"Data Source={StorePath};Pooling=false"))
        {
            connection.Open();
            // In WAL mode, as a newer Orchestrator leaves it: even a read-only open would create -wal and -shm.
            connection.Execute("PRAGMA journal_mode = WAL; CREATE TABLE SchemaVersions (Version INTEGER); CREATE TABLE FutureThings (Id INTEGER); PRAGMA user_version = 99;");
        }

        var before = Snapshot();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade Orchestrator", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task A_store_locked_by_another_process_fails_with_a_clear_error()
    {
        await Store(StorePath).CreateIfNotExistsAsync();
        using var holder = new SqliteConnection($"Data Source={StorePath};Pooling=false");
        holder.Open();
        holder.Execute("BEGIN EXCLUSIVE;");

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains("locked by another process", error.Message, StringComparison.Ordinal);
        holder.Execute("ROLLBACK;");
    }

    [Fact]
    public async Task A_directory_that_cannot_be_written_fails_with_a_clear_error()
    {
        // /proc refuses new entries even to root, unlike a chmod-ed folder.
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store("/proc/orchestrator-test/orchestrator.db").CreateIfNotExistsAsync());

        Assert.Contains("'/proc/orchestrator-test' is not writable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_with_damaged_pages_is_refused_and_left_untouched()
    {
        await DamagedStoreAsync(StorePath);
        var before = Snapshot();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Matches("damaged|corrupt", error.Message);
        Assert.Contains(StorePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("left untouched", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("wal")]
    public async Task Another_programs_SQLite_file_is_refused_and_neither_it_nor_its_folder_changes(string journalMode)
    {
        using (var connection = new SqliteConnection($"Data Source={StorePath};Pooling=false"))
        {
            connection.Open();
            connection.Execute($"PRAGMA journal_mode = {journalMode}; CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('buy milk');");
        }

        var before = Snapshot();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains("is another program's SQLite database (tables notes; no Orchestrator schema); it was left untouched", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task A_store_file_that_cannot_be_written_is_refused_at_start_up()
    {
        await Store(StorePath).CreateIfNotExistsAsync();
        SqliteConnection.ClearAllPools();
        using var readOnly = await ReadOnlyFile.TryMakeAsync(StorePath);
        if (readOnly is null)
        {
            Assert.Skip(ReadOnlyFile.Unavailable);
        }

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains($"The store file '{StorePath}' cannot be written", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_becomes_unwritable_says_so_when_asked()
    {
        var store = Store(StorePath);
        await store.CreateIfNotExistsAsync();
        Assert.Null(store.FindWriteProblem());

        using (var readOnly = await ReadOnlyFile.TryMakeAsync(StorePath))
        {
            if (readOnly is null)
            {
                Assert.Skip(ReadOnlyFile.Unavailable);
            }

            Assert.Contains($"the store file '{StorePath}' cannot be written", store.FindWriteProblem(), StringComparison.Ordinal);
        }

        Assert.Null(store.FindWriteProblem());
    }

    /// <summary>
    /// A store with runs in it whose table pages are then overwritten in the middle: the header (and so the first
    /// page) stays valid, as after a torn write or a bad disk block.
    /// </summary>
    internal static async Task DamagedStoreAsync(string path)
    {
        await Store(path).CreateIfNotExistsAsync();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            for (var i = 0; i < 400; i++)
            {
                connection.Execute(
                    "INSERT INTO Instances (InstanceId, ExecutionId, Name, RuntimeStatus, CreatedTime, LastUpdatedTime, CustomStatus) VALUES (@id, 'e', 'n', 'Completed', '2026-01-01', '2026-01-01', @input);",
                    null, ("@id", $"run-{i}"), ("@input", new string('x', 500)));
            }
        }

        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(path);
        const int PageSize = 4096;
        Assert.True(bytes.Length > 20 * PageSize, $"the store has only {bytes.Length / PageSize} pages");
        for (var page = 5; page < 15; page++)
        {
            new Random(page).NextBytes(bytes.AsSpan(page * PageSize, 64));
        }

        await File.WriteAllBytesAsync(path, bytes);
    }

    /// <summary>Every file in the folder with its hash: the store and any -wal, -shm or journal beside it.</summary>
    internal static string Snapshot(string folder) =>
        string.Join('\n', Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(f => $"{Path.GetFileName(f)} {Hash(f)}"));

    string Snapshot() => Snapshot(directory.Path);

    static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public void Dispose() => directory.Dispose();
}
