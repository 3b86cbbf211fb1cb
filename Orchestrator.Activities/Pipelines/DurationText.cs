using System.Globalization;
using System.Text.RegularExpressions;

namespace Orchestrator.Activities.Pipelines;

/// <summary>Durations in configuration: "00:00:30" (hh:mm:ss, or d.hh:mm:ss) or a number with a unit: 500ms, 30s, 5m, 2h, 1d.</summary>
public static partial class DurationText
{
    public const string Allowed = "hh:mm:ss (e.g. 00:00:30) or a number with ms, s, m, h or d (e.g. 30s)";

    /// <summary>The longest duration a pipeline setting takes: far beyond any sensible one, and far from overflowing a time.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(365);

    /// <summary>
    /// Reads a duration; false when the text is not one. A duration too long for <see cref="TimeSpan"/> reads as
    /// <see cref="TimeSpan.MaxValue"/> (or MinValue), so callers report it as out of range rather than crash.
    /// </summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = WithUnit().Match(text.Trim());
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
            value = ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : ticks <= TimeSpan.MinValue.Ticks ? TimeSpan.MinValue : TimeSpan.FromTicks((long)ticks);
            return true;
        }

        try
        {
            value = TimeSpan.Parse(text, CultureInfo.InvariantCulture);
            return true;
        }
        catch (OverflowException)
        {
            value = text.TrimStart().StartsWith('-') ? TimeSpan.MinValue : TimeSpan.MaxValue;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();
}
