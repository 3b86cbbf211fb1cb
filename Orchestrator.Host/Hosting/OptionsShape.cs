using System.ComponentModel;
using System.Reflection;
using Quickenshtein;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// The options type a configuration section is bound to, registered beside the binding so the configuration check
/// can find the property behind a key: to say what a value that does not convert should have been (its range
/// included), and, where <see cref="UnknownKeysAreProblems"/>, to refuse a key that binds to nothing (a typo such as
/// <c>MaxParalelJobs</c> would otherwise be ignored and the default used in silence).
/// </summary>
public sealed record OptionsShape(string Section, Type Shape, bool UnknownKeysAreProblems)
{
    /// <summary>The property <paramref name="key"/> binds to, or null when it is outside the section or binds to nothing.</summary>
    public PropertyInfo? Property(string key)
    {
        if (!key.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        PropertyInfo? property = null;
        var type = Shape;
        foreach (var segment in key[(Section.Length + 1)..].Split(':'))
        {
            if (Child(type, segment) is not { } child)
            {
                return null;
            }

            (type, property) = child;
        }

        return property;
    }

    /// <summary>Every key under the section that binds to nothing, with the problem it is (naming the settings its place takes).</summary>
    public IEnumerable<(string Key, string Problem)> UnknownKeys(IConfiguration configuration) =>
        UnknownKeysAreProblems ? Unknown(configuration.GetSection(Section), Shape) : [];

    static IEnumerable<(string Key, string Problem)> Unknown(IConfigurationSection section, Type type)
    {
        foreach (var child in section.GetChildren())
        {
            if (Child(type, child.Key) is { } known)
            {
                foreach (var problem in Unknown(child, known.Type))
                {
                    yield return problem;
                }

                continue;
            }

            var settings = Settings(type);
            if (settings.Count == 0)
            {
                yield return (child.Path, $"{child.Path}: '{child.Key}' is not a setting; {section.Path} is a single value.");
                continue;
            }

            var closest = settings.MinBy(s => EditDistance(s, child.Key))!;
            yield return (child.Path, EditDistance(closest, child.Key) <= 2
                ? $"{child.Path}: '{child.Key}' is not a setting; did you mean {closest}?"
                : $"{child.Path}: '{child.Key}' is not a setting; use one of {string.Join(", ", settings)}.");
        }
    }

    /// <summary>Where a key segment leads from <paramref name="type"/>: a dictionary entry, a list item or a property.</summary>
    static (Type Type, PropertyInfo? Property)? Child(Type type, string segment)
    {
        if (IsValue(type))
        {
            return null;
        }

        if (Implementation(type, typeof(IDictionary<,>)) is { } dictionary)
        {
            return (dictionary.GetGenericArguments()[1], null);
        }

        if (Implementation(type, typeof(IList<>)) is { } list)
        {
            return int.TryParse(segment, out var index) && index >= 0 ? (list.GetGenericArguments()[0], null) : null;
        }

        return type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property
            ? (property.PropertyType, property)
            : null;
    }

    /// <summary>How far a mistyped key is from a setting, ignoring case.</summary>
    static int EditDistance(string a, string b) => Levenshtein.GetDistance(a.ToUpperInvariant(), b.ToUpperInvariant());

    static List<string> Settings(Type type) =>
        IsValue(type) || Implementation(type, typeof(IDictionary<,>)) is not null || Implementation(type, typeof(IList<>)) is not null
            ? []
            : [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name)];

    /// <summary>A type the binder converts from one text value, as it decides it: through its TypeConverter.</summary>
    static bool IsValue(Type type) => TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string));

    static Type? Implementation(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
}
