namespace Orchestrator.Glue.Local;

/// <summary>Checks a DuckDB strptime format before it reaches SQL, so a typo fails at start-up, not mid-job.</summary>
static class StrptimeFormat
{
    const string Specifiers = "aAbBcdfgGHIjmMnpSuUVwWxXyYzZ";
    const string NoPaddingSpecifiers = "dmyHIMSj";

    /// <summary>Null when <paramref name="format"/> is usable; otherwise what is wrong with it.</summary>
    public static string? Problem(string? format)
    {
        if (string.IsNullOrWhiteSpace(format))
        {
            return "is empty.";
        }

        var specifiers = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                continue;
            }

            var start = i++;
            if (i < format.Length && format[i] == '%')
            {
                continue;
            }

            var noPadding = i < format.Length && format[i] == '-';
            if (noPadding)
            {
                i++;
            }

            var allowed = noPadding ? NoPaddingSpecifiers : Specifiers;
            if (i >= format.Length || !allowed.Contains(format[i], StringComparison.Ordinal))
            {
                var found = format[start..Math.Min(i + 1, format.Length)];
                return $"has '{found}', which is not a strptime specifier (e.g. %Y %m %d %H %M %S %f %z).";
            }

            specifiers++;
        }

        return specifiers == 0 ? "has no % specifier; e.g. '%d/%m/%Y %H:%M:%S'." : null;
    }
}
