using System.Globalization;

namespace Orchestrator.Glue.Local;

/// <summary>
/// Quoting for SQL built in C#. DuckDB takes file paths of table functions and <c>COPY … TO</c> only as literals,
/// never as bound parameters, so every path and name goes through here.
/// </summary>
static class SqlText
{
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string LiteralList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Literal)) + "]";

    /// <summary>A TIMESTAMP literal of the instant in UTC, to microseconds.</summary>
    public static string Timestamp(DateTimeOffset instant) =>
        "TIMESTAMP " + Literal(instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
}
