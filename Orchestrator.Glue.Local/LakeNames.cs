using System.Text.RegularExpressions;

namespace Orchestrator.Glue.Local;

/// <summary>Which names may become folders, databases and columns (no path tricks, no quoting surprises).</summary>
static partial class LakeNames
{
    /// <summary>Entity, table and database names: letters, digits, '_' and '-', not starting with '-'.</summary>
    public static bool IsName(string? value) => value is not null && NamePattern().IsMatch(value);

    /// <summary>A partition key: a plain identifier, because it becomes a folder name and a column.</summary>
    public static bool IsIdentifier(string? value) => value is not null && IdentifierPattern().IsMatch(value);

    /// <summary>Folders and files whose name starts with '_' or '.' are not data (Hive's rule).</summary>
    public static bool IsHidden(string fileOrFolderName) =>
        fileOrFolderName.StartsWith('_') || fileOrFolderName.StartsWith('.');

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex IdentifierPattern();
}
