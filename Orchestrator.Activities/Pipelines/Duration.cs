using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// A pipeline duration as written in configuration: "00:00:30" (hh:mm:ss, or d.hh:mm:ss) or a number with a unit:
/// 500ms, 30s, 5m, 2h, 1d. The configuration binder reads it through <see cref="DurationConverter"/>, the one place
/// that knows the short form. It keeps <see cref="Text"/>, so a problem quotes the value the way the user wrote it.
/// </summary>
/// <remarks>
/// A value type of its own rather than a converter registered for every <see cref="TimeSpan"/>: the short form is
/// part of the pipelines' contract only (docs/configuration.md), and a process-wide TypeDescriptor registration would
/// change how every other TimeSpan in the process is read, and only once something remembered to install it.
/// </remarks>
[TypeConverter(typeof(DurationConverter))]
public readonly partial record struct Duration(TimeSpan Value, string Text)
{
    public const string Allowed = "hh:mm:ss (e.g. 00:00:30) or a number with ms, s, m, h or d (e.g. 30s)";

    /// <summary>The longest duration a pipeline setting takes: far beyond any sensible one, and far from overflowing a time.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(365);

    /// <summary>
    /// Reads a duration; false when the text is not one. A duration too long for <see cref="TimeSpan"/> reads as
    /// <see cref="TimeSpan.MaxValue"/> (or MinValue), so it is reported as out of range rather than crash.
    /// </summary>
    public static bool TryParse(string? text, out Duration duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var match = WithUnit().Match(trimmed);
        if (match.Success)
        {
            var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var ticks = number * match.Groups[2].Value switch
            {
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => TimeSpan.TicksPerDay,
            };
            var value = ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : ticks <= TimeSpan.MinValue.Ticks ? TimeSpan.MinValue : TimeSpan.FromTicks((long)ticks);
            duration = new Duration(value, trimmed);
            return true;
        }

        try
        {
            duration = new Duration(TimeSpan.Parse(trimmed, CultureInfo.InvariantCulture), trimmed);
            return true;
        }
        catch (OverflowException)
        {
            duration = new Duration(trimmed.StartsWith('-') ? TimeSpan.MinValue : TimeSpan.MaxValue, trimmed);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Reads a duration, or throws <see cref="FormatException"/> naming what is allowed.</summary>
    public static Duration Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not a duration; use {Allowed}.");

    public static Duration From(TimeSpan value) => new(value, value.ToString("c", CultureInfo.InvariantCulture));

    public static implicit operator TimeSpan(Duration duration) => duration.Value;

    public TimeSpan ToTimeSpan() => Value;

    public override string ToString() => Text;

    [GeneratedRegex(@"^(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();
}
