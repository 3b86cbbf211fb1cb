using System.Text;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Brings a store file to the schema this build knows, one versioned script at a time
/// (<c>Scripts/schema-N.sql</c>), recording each in <c>SchemaVersions</c> and in SQLite's user_version.
/// A file it cannot vouch for (not SQLite, damaged, another program's database, a newer schema, or one it cannot
/// write) is refused before anything is written.
/// </summary>
static class SchemaMigrator
{
    static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    public static int LatestVersion => Scripts.Value[^1].Version;

    static readonly Lazy<IReadOnlyList<(int Version, string Sql)>> Scripts = new(LoadScripts);

    public static void Migrate(SqliteDatabase database, TimeProvider timeProvider)
    {
        var path = database.Path;
        RefuseUnknownFile(path);
        EnsureDirectory(path);
        if (FileWritability.StoreProblem(path) is { } unwritable)
        {
            throw new StoreUnavailableException($"The store file {unwritable}: a read-only file, or a read-only file system. Make it writable for this user, or point the setting at a writable path.");
        }

        try
        {
            using var connection = database.Open();
            // SQLite opens a file it may not write read-only without a word; every write would then fail later.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new StoreUnavailableException($"The store file '{path}' cannot be written: SQLite opened it read-only. Make it writable for this user, or point the setting at a writable path.");
            }

            var mode = connection.Scalar("PRAGMA journal_mode = WAL;") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreUnavailableException($"The store file '{path}' cannot use write-ahead logging (journal mode stays '{mode}'); is it on a read-only or network file system?");
            }

            // BEGIN IMMEDIATE: a second process starting at the same moment waits here, then sees our version.
            using var transaction = connection.BeginTransaction(deferred: false);
            var current = ReadVersion(connection, transaction);
            RefuseNewer(path, current);
            connection.Execute("CREATE TABLE IF NOT EXISTS SchemaVersions (Version INTEGER NOT NULL PRIMARY KEY, AppliedTime TEXT NOT NULL);", transaction);
            foreach (var (version, sql) in Scripts.Value.Where(s => s.Version > current))
            {
                connection.Execute(sql, transaction);
                connection.Execute("INSERT INTO SchemaVersions (Version, AppliedTime) VALUES (@v, @t);", transaction,
                    ("@v", version), ("@t", SqliteTime.ToText(timeProvider.GetUtcNow().UtcDateTime)));
                connection.Execute($"PRAGMA user_version = {version};", transaction);
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw Explain(path, ex);
        }
    }

    static void RefuseUnknownFile(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists || file.Length == 0)
        {
            return;
        }

        var header = new byte[SqliteHeader.Length];
        try
        {
            using var stream = file.OpenRead();
            stream.ReadExactly(header);
        }
        catch (EndOfStreamException)
        {
            // Shorter than a header: not a database either.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException($"The store file '{path}' cannot be read: {ex.Message}", ex);
        }

        if (!header.AsSpan().SequenceEqual(SqliteHeader))
        {
            throw new StoreUnavailableException($"The store file '{path}' is not a SQLite database; it was left untouched. Point the setting at a new path or move the file away.");
        }

        var immutable = !File.Exists(path + "-wal");
        try
        {
            Inspect(path, immutable);
        }
        catch (StoreUnavailableException) when (immutable && File.Exists(path + "-wal"))
        {
            // Another process started using the file while we looked: look again, through its -wal file.
            Inspect(path, immutable: false);
        }
    }

    /// <summary>
    /// Looks at an existing file without changing it, so a file this build refuses stays byte for byte as it was:
    /// a newer schema, another program's database, or damaged pages. A read-only connection to a WAL-mode file would
    /// still create -wal and -shm beside it; <c>immutable=1</c> creates nothing and is exact while no -wal file exists
    /// (every committed page is then in the file itself). With a -wal file the store is in use or was not closed
    /// cleanly, and is read through it so nothing committed is missed.
    /// </summary>
    static void Inspect(string path, bool immutable)
    {
        var source = immutable ? $"{new Uri(path).AbsoluteUri}?immutable=1" : path;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            connection.Open();
            var version = ReadVersion(connection, null);
            RefuseNewer(path, version);
            var tables = connection.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;", r => r.GetString(0));
            if (tables.Count > 0 && (version == 0 || !tables.Contains("SchemaVersions")))
            {
                throw new StoreUnavailableException(
                    $"The store file '{path}' is another program's SQLite database (tables {string.Join(", ", tables.Take(3))}{(tables.Count > 3 ? ", …" : string.Empty)}; no Orchestrator schema); it was left untouched. Point the setting at a new path or move the file away.");
            }

            // quick_check reads every page (O(N), no index cross-check): seconds for a store of gigabytes.
            var damage = connection.Query("PRAGMA quick_check(3);", r => r.GetString(0).ReplaceLineEndings(" "));
            if (damage is not ["ok"])
            {
                throw new StoreUnavailableException(
                    $"The store file '{path}' is damaged (PRAGMA quick_check: {string.Join("; ", damage)}); it was left untouched. Restore it from a backup, or move it away to start with an empty store.");
            }
        }
        catch (SqliteException ex)
        {
            throw Explain(path, ex);
        }
    }

    static void EnsureDirectory(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(directory);
            // SQLite needs to create the -wal and -shm files next to the database.
            var probe = System.IO.Path.Combine(directory, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException($"The store directory '{directory}' is not writable: {ex.Message}", ex);
        }
    }

    static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction) =>
        Convert.ToInt32(connection.Scalar("PRAGMA user_version;", transaction), System.Globalization.CultureInfo.InvariantCulture);

    static void RefuseNewer(string path, int version)
    {
        if (version > LatestVersion)
        {
            throw new StoreUnavailableException($"The store file '{path}' has schema version {version}, newer than this Orchestrator understands ({LatestVersion}); it was left untouched. Upgrade Orchestrator to open it.");
        }
    }

    static StoreUnavailableException Explain(string path, SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => new StoreUnavailableException($"The store file '{path}' is locked by another process and stayed locked past the busy timeout.", ex),
        8 => new StoreUnavailableException($"The store file '{path}' is read-only: {ex.Message}", ex),
        11 or 26 => new StoreUnavailableException($"The store file '{path}' is corrupt or not a SQLite database; it was left untouched ({ex.Message}).", ex),
        14 => new StoreUnavailableException($"The store file '{path}' cannot be opened: {ex.Message}", ex),
        _ => new StoreUnavailableException($"The store file '{path}' cannot be used: {ex.Message}", ex),
    };

    static IReadOnlyList<(int Version, string Sql)> LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string prefix = "Orchestrator.Storage.Sqlite.Scripts.schema-";
        var scripts = new List<(int, string)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var version = int.Parse(name[prefix.Length..^".sql".Length], System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            scripts.Add((version, reader.ReadToEnd()));
        }

        return scripts.Count > 0
            ? scripts.OrderBy(s => s.Item1).ToList()
            : throw new InvalidOperationException($"No schema scripts are embedded in {assembly.GetName().Name}.");
    }
}
