using System.Globalization;
using System.Text.RegularExpressions;

namespace Orchestrator.Activities.Pipelines;

/// <summary>Durations in configuration: "00:00:30" (hh:mm:ss, or d.hh:mm:ss) or a number with a unit: 500ms, 30s, 5m, 2h, 1d.</summary>
public static partial class DurationText
{
    public const string Allowed = "hh:mm:ss (e.g. 00:00:30) or a number with ms, s, m, h or d (e.g. 30s)";

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
            value = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                _ => TimeSpan.FromDays(number),
            };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(@"^(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();
}
