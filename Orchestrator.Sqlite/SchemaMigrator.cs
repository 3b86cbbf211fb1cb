using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Sqlite;

/// <summary>
/// Brings a file to the schema this build knows, one versioned script at a time (<see cref="SqliteSchema"/>),
/// recording each in <c>SchemaVersions</c> and in SQLite's user_version, and switches it to WAL. A file it cannot
/// vouch for (not SQLite, damaged, another program's database, a newer schema, or one it cannot write) is refused
/// before anything is written, with the exception <c>refuse</c> makes of the message and its cause.
/// </summary>
public sealed class SchemaMigrator(SqliteSchema schema, Func<string, Exception?, Exception> refuse)
{
    static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    readonly Lazy<IReadOnlyList<(int Version, string Sql)>> scripts = new(() => LoadScripts(schema));

    public int LatestVersion => scripts.Value[^1].Version;

    string Kind => schema.FileKind;

    /// <summary>Migrates the file and returns the version it had before (0 for a new file).</summary>
    public int Migrate(SqliteFile file, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var path = file.Path;
        RefuseUnknownFile(path);
        EnsureDirectory(path);
        if (FileWritability.WriteProblem(path) is { } unwritable)
        {
            throw refuse($"The {Kind} file {unwritable}: a read-only file, or a read-only file system. Make it writable for this user, or point the setting at a writable path.", null);
        }

        try
        {
            using var connection = file.Open();
            // SQLite opens a file it may not write read-only without a word; every write would then fail later.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw refuse($"The {Kind} file '{path}' cannot be written: SQLite opened it read-only. Make it writable for this user, or point the setting at a writable path.", null);
            }

            var mode = connection.ExecuteScalar<string>("PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw refuse($"The {Kind} file '{path}' cannot use write-ahead logging (journal mode stays '{mode}'); is it on a read-only or network file system?", null);
            }

            // BEGIN IMMEDIATE: a second process starting at the same moment waits here, then sees our version.
            using var transaction = connection.BeginTransaction(deferred: false);
            var before = ReadVersion(connection, transaction);
            connection.Execute("CREATE TABLE IF NOT EXISTS SchemaVersions (Version INTEGER NOT NULL PRIMARY KEY, AppliedTime TEXT NOT NULL);", transaction: transaction);
            if (before == 0 && AdoptLegacyVersions(connection, transaction) is { } adopted)
            {
                before = adopted;
            }

            RefuseNewer(path, before);
            foreach (var (version, sql) in scripts.Value.Where(s => s.Version > before))
            {
                connection.Execute(sql, transaction: transaction);
                connection.Execute("INSERT INTO SchemaVersions (Version, AppliedTime) VALUES (@Version, @AppliedTime);",
                    new { Version = version, AppliedTime = SqliteTime.ToText(timeProvider.GetUtcNow()) }, transaction);
                connection.Execute($"PRAGMA user_version = {version};", transaction: transaction);
            }

            transaction.Commit();
            return before;
        }
        catch (SqliteException ex)
        {
            throw Explain(path, ex);
        }
    }

    /// <summary>Takes a pre-convention version table over; returns its newest version, or null when there is none.</summary>
    int? AdoptLegacyVersions(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (schema.LegacyVersions is not { } legacy || !HasTable(connection, legacy.Name, transaction))
        {
            return null;
        }

        var version = connection.ExecuteScalar<int>($"SELECT COALESCE(MAX({legacy.VersionColumn}), 0) FROM {legacy.Name};", transaction: transaction);
        RefuseNewer(connection.DataSource, version);
        connection.Execute($"""
            INSERT INTO SchemaVersions (Version, AppliedTime) SELECT {legacy.VersionColumn}, {legacy.AppliedTimeColumn} FROM {legacy.Name};
            DROP TABLE {legacy.Name};
            PRAGMA user_version = {version};
            """, transaction: transaction);
        return version;
    }

    void RefuseUnknownFile(string path)
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
            throw refuse($"The {Kind} file '{path}' cannot be read: {ex.Message}", ex);
        }

        if (!header.AsSpan().SequenceEqual(SqliteHeader))
        {
            throw refuse($"The {Kind} file '{path}' is not a SQLite database; it was left untouched. Point the setting at a new path or move the file away.", null);
        }

        var immutable = !File.Exists(path + "-wal");
        try
        {
            Inspect(path, immutable);
        }
        catch (Exception) when (immutable && File.Exists(path + "-wal"))
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
    void Inspect(string path, bool immutable)
    {
        var source = immutable ? $"{new Uri(path).AbsoluteUri}?immutable=1" : path;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            connection.Open();
            var version = ReadVersion(connection, null);
            RefuseNewer(path, version);
            var tables = connection.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;").AsList();
            var legacy = version == 0 && schema.LegacyVersions is { } old && tables.Contains(old.Name);
            if (tables.Count > 0 && !legacy && (version == 0 || !tables.Contains("SchemaVersions")))
            {
                throw refuse(
                    $"The {Kind} file '{path}' is another program's SQLite database (tables {string.Join(", ", tables.Take(3))}{(tables.Count > 3 ? ", …" : string.Empty)}; no Orchestrator schema); it was left untouched. Point the setting at a new path or move the file away.", null);
            }

            // quick_check reads every page (O(N), no index cross-check): seconds for a store of gigabytes.
            var damage = connection.Query<string>("PRAGMA quick_check(3);").Select(line => line.ReplaceLineEndings(" ")).ToList();
            if (damage is not ["ok"])
            {
                throw refuse(
                    $"The {Kind} file '{path}' is damaged (PRAGMA quick_check: {string.Join("; ", damage)}); it was left untouched. Restore it from a backup, or move it away to start with an empty {Kind}.", null);
            }
        }
        catch (SqliteException ex)
        {
            throw Explain(path, ex);
        }
    }

    void EnsureDirectory(string path)
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
            throw refuse($"The {Kind} directory '{directory}' is not writable: {ex.Message}", ex);
        }
    }

    static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction) =>
        connection.ExecuteScalar<int>("PRAGMA user_version;", transaction: transaction);

    static bool HasTable(SqliteConnection connection, string name, SqliteTransaction transaction) =>
        connection.ExecuteScalar<long>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name;", new { name }, transaction) > 0;

    void RefuseNewer(string path, int version)
    {
        if (version > LatestVersion)
        {
            throw refuse($"The {Kind} file '{path}' has schema version {version}, newer than this Orchestrator understands ({LatestVersion}); it was left untouched. Upgrade Orchestrator to open it.", null);
        }
    }

    Exception Explain(string path, SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => refuse($"The {Kind} file '{path}' is locked by another process and stayed locked past the busy timeout.", ex),
        8 => refuse($"The {Kind} file '{path}' is read-only: {ex.Message}", ex),
        11 or 26 => refuse($"The {Kind} file '{path}' is corrupt or not a SQLite database; it was left untouched ({ex.Message}).", ex),
        14 => refuse($"The {Kind} file '{path}' cannot be opened: {ex.Message}", ex),
        _ => refuse($"The {Kind} file '{path}' cannot be used: {ex.Message}", ex),
    };

    static IReadOnlyList<(int Version, string Sql)> LoadScripts(SqliteSchema schema)
    {
        var prefix = schema.ResourcePrefix;
        var scripts = new List<(int, string)>();
        foreach (var name in schema.Assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var version = int.Parse(name[prefix.Length..^".sql".Length], CultureInfo.InvariantCulture);
            using var reader = new StreamReader(schema.Assembly.GetManifestResourceStream(name)!);
            scripts.Add((version, reader.ReadToEnd()));
        }

        return scripts.Count > 0
            ? scripts.OrderBy(s => s.Item1).ToList()
            : throw new InvalidOperationException($"No schema scripts named {prefix}N.sql are embedded in {schema.Assembly.GetName().Name}.");
    }
}
