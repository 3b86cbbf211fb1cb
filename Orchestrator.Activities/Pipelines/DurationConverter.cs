using System.ComponentModel;
using System.Globalization;

namespace Orchestrator.Activities.Pipelines;

/// <summary>How the configuration binder (and anything else using TypeDescriptor) reads a <see cref="Duration"/>.</summary>
public sealed class DurationConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || sourceType == typeof(TimeSpan) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) => value switch
    {
        string text => Duration.Parse(text),
        TimeSpan time => Duration.From(time),
        _ => base.ConvertFrom(context, culture, value),
    };

    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) =>
        destinationType == typeof(string) || destinationType == typeof(TimeSpan) || base.CanConvertTo(context, destinationType);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) => value switch
    {
        Duration duration when destinationType == typeof(string) => duration.Text,
        Duration duration when destinationType == typeof(TimeSpan) => duration.Value,
        _ => base.ConvertTo(context, culture, value, destinationType),
    };
}
