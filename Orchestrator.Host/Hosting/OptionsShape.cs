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
    public PropertyInfo? Property(string key) => Walk(key) is { Problem: null } found ? found.Property : null;

    /// <summary>
    /// The type of the value <paramref name="key"/> sets, or why it sets none (no such setting, a section where a value
    /// was meant, a read-only property); null when the key is outside the section. The deployment tests check every
    /// variable and setting they ship with it.
    /// </summary>
    internal (Type? Value, string? Problem)? ValueOf(string key) => Walk(key) switch
    {
        null => null,
        { Problem: { } problem } => (null, problem),
        { Type: var type } when !IsValue(type) => (null, $"{key} is a section ({Describe(type)}), not a value"),
        { Property.SetMethod: not { IsPublic: true } } => (null, $"{key} is read-only"),
        { Type: var type } => (type, null),
    };

    /// <summary>A type as a problem names it: <c>Int32</c>, <c>TimeSpan?</c>, <c>Dictionary&lt;…&gt;</c>.</summary>
    internal static string Describe(Type type) =>
        Nullable.GetUnderlyingType(type) is { } underlying ? underlying.Name + "?" : type.IsGenericType ? type.Name.Split('`')[0] + "<…>" : type.Name;

    /// <summary>
    /// Follows <paramref name="key"/> from the section one segment at a time, as the binder does: where it ends (the
    /// type, and the property when the last step was one), or the first segment that leads nowhere and why.
    /// </summary>
    (Type Type, PropertyInfo? Property, string? Problem)? Walk(string key)
    {
        if (!string.Equals(key, Section, StringComparison.OrdinalIgnoreCase) && !key.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        PropertyInfo? property = null;
        var type = Shape;
        var path = key[..Section.Length];
        foreach (var segment in key.Length == Section.Length ? [] : key[(Section.Length + 1)..].Split(':'))
        {
            if (Child(type, segment) is not { } child)
            {
                return (type, null, Missing(type, segment, path));
            }

            (type, property) = child;
            path += ":" + segment;
        }

        return (type, property, null);
    }

    /// <summary>Why <paramref name="segment"/> leads nowhere from <paramref name="type"/>, at <paramref name="path"/>.</summary>
    static string Missing(Type type, string segment, string path) =>
        IsValue(type) ? $"{path} is a {Describe(type)} value; it has no '{segment}'"
        : Implementation(type, typeof(IList<>)) is not null ? $"{path} is a list; '{segment}' is not an index (0, 1, …)"
        : $"{path} has no property '{segment}' (it has {string.Join(", ", Settings(type))})";

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
