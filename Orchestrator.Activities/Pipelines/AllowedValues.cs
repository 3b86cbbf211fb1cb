using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// What an options property takes, in words, from its type and its <see cref="RangeAttribute"/>: the one wording used
/// both when a value is out of range and when the binder cannot convert it at all.
/// </summary>
public static class AllowedValues
{
    public static string Describe(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (property.GetCustomAttribute<RangeAttribute>() is not { } range)
        {
            return Describe(type);
        }

        var note = property.GetCustomAttribute<DescriptionAttribute>() is { } description ? $" ({description.Description})" : string.Empty;
        var bounds = string.Create(CultureInfo.InvariantCulture, $"from {range.Minimum} to {range.Maximum}{note}");
        return type == typeof(int) || type == typeof(long) ? $"a whole number {bounds}" : $"a number {bounds}";
    }

    public static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(Duration) => Duration.Allowed,
            _ when type == typeof(TimeSpan) => "a duration hh:mm:ss or d.hh:mm:ss, e.g. 00:00:30",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) => "a number",
            _ when type.IsEnum => string.Join(", ", Enum.GetNames(type)),
            _ => $"a value of type {type.Name}",
        };
    }

    /// <summary>The bounds a property's <see cref="RangeAttribute"/> sets, as numbers.</summary>
    public static (double Minimum, double Maximum) RangeOf(PropertyInfo property) =>
        property.GetCustomAttribute<RangeAttribute>() is { } range
            ? (Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture), Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture))
            : (double.MinValue, double.MaxValue);
}
