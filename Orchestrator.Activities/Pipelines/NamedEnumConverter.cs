using System.ComponentModel;
using System.Globalization;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// Reads a policy enum from configuration by name only (any case). The framework's EnumConverter also takes numbers,
/// so <c>"Overlap": 7</c> would bind to a policy that does not exist, and <c>1</c> to whichever happens to be second.
/// </summary>
public sealed class NamedEnumConverter<T>() : EnumConverter(typeof(T))
    where T : struct, Enum
{
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? Enum.TryParse<T>(text.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(text.Trim().TrimStart('-', '+').FirstOrDefault())
                ? parsed
                : throw new FormatException($"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}.")
            : base.ConvertFrom(context, culture, value);
}
