using System.Globalization;

namespace Orchestrator.Sqlite;

/// <summary>
/// UTC times stored as fixed-width ISO-8601 text with 7 fractional digits, so comparing the text compares the
/// times (in SQL too: <c>LeaseExpiration &lt; @now</c>).
/// </summary>
public static class SqliteTime
{
    const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string ToText(DateTime time) =>
        ToUtc(time).ToString(Format, CultureInfo.InvariantCulture);

    public static DateTime Parse(string text) =>
        DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static DateTime? ParseOrNull(object? value) =>
        value is string text ? Parse(text) : null;

    public static string ToText(DateTimeOffset instant) => ToText(instant.UtcDateTime);

    public static DateTimeOffset ParseInstant(string text) => new(Parse(text), TimeSpan.Zero);

    public static DateTimeOffset? ParseInstantOrNull(string? text) => text is null ? null : ParseInstant(text);

    static DateTime ToUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        // DurableTask.Core uses DateTime.UtcNow everywhere; an unspecified kind is UTC by convention.
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
