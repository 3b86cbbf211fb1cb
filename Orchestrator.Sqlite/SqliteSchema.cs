using System.Reflection;

namespace Orchestrator.Sqlite;

/// <summary>
/// A kind of Orchestrator SQLite file and its schema: the scripts <c>&lt;prefix&gt;N.sql</c> embedded in
/// <paramref name="Assembly"/>, applied in order of N. <paramref name="FileKind"/> names the file in errors
/// ("store", "catalog").
/// </summary>
public sealed record SqliteSchema(string FileKind, Assembly Assembly, string ResourcePrefix)
{
    /// <summary>
    /// The table a file of this kind recorded its versions in before this convention (user_version still 0); the
    /// migrator takes its versions over into <c>SchemaVersions</c> and drops it.
    /// </summary>
    public LegacyVersionTable? LegacyVersions { get; init; }
}

/// <summary>A pre-convention version table: its name and its version and applied-time columns.</summary>
public sealed record LegacyVersionTable(string Name, string VersionColumn, string AppliedTimeColumn);
