using System.Globalization;

namespace Orchestrator.Storage.Sqlite;

/// <summary>UTC times stored as fixed-width ISO-8601 text, so comparing the text compares the times.</summary>
static class SqliteTime
{
    const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string ToText(DateTime time) =>
        ToUtc(time).ToString(Format, CultureInfo.InvariantCulture);

    public static DateTime Parse(string text) =>
        DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static DateTime? ParseOrNull(object? value) =>
        value is string text ? Parse(text) : null;

    static DateTime ToUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        // DurableTask.Core uses DateTime.UtcNow everywhere; an unspecified kind is UTC by convention.
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
