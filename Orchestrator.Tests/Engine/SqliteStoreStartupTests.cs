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
            connection.Execute("CREATE TABLE FutureThings (Id INTEGER); PRAGMA user_version = 99;");
        }

        var before = Hash(StorePath);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store(StorePath).CreateIfNotExistsAsync());

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade Orchestrator", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
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

    static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public void Dispose() => directory.Dispose();
}
