using System.ComponentModel;
using System.Reflection;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue.Aws;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Api;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// Where a configuration key lands in the host's options classes, found by walking them the way the
/// configuration binder does: from the section each class is bound to, property names in any case, dictionary
/// keys free, list indexes numeric, ending on a value property. An environment name is the key with ':' as '__'.
/// </summary>
public static class OptionsBinding
{
    /// <summary>Each options class and the section the host binds it to (<c>OrchestratorServices.AddOrchestrator</c>).</summary>
    static readonly (string Section, Type Options)[] Sections =
    [
        (OrchestratorOptions.Section, typeof(OrchestratorOptions)),
        (StoreOptions.Section, typeof(StoreOptions)),
        (ApiOptions.Section, typeof(ApiOptions)),
        (GlueSelection.Section, typeof(GlueSelection)),
        (AwsGlueOptions.SectionPath, typeof(AwsGlueOptions)),
        (LocalGlueOptions.SectionPath, typeof(LocalGlueOptions)),
        (PipelineDefinitionReader.Section, typeof(Dictionary<string, PipelineOptions>)),
    ];

    /// <summary>True for names the host reads as configuration (<c>Orchestrator__…</c>, in any case).</summary>
    public static bool IsConfigurationName(string environmentName) =>
        environmentName.StartsWith(OrchestratorOptions.Section + "__", StringComparison.OrdinalIgnoreCase);

    public static string KeyOf(string environmentName) => environmentName.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>
    /// What is wrong with the host's variables among <paramref name="environment"/> (a null value: set from a secret):
    /// an <c>Orchestrator__…</c> name that binds to nothing or whose value does not convert, or another name that
    /// looks like the host's but is not <c>ORCHESTRATOR_CONFIG</c>. Other variables (AWS_, ASPNETCORE_) are left alone.
    /// </summary>
    public static IReadOnlyList<string> EnvironmentProblems(IEnumerable<KeyValuePair<string, string?>> environment) =>
        environment
            .Where(variable => variable.Key.StartsWith(OrchestratorOptions.Section, StringComparison.OrdinalIgnoreCase))
            .Select(variable => variable.Key == HostConfiguration.FileVariable
                ? null
                : !IsConfigurationName(variable.Key)
                    ? $"{variable.Key}: the host reads neither this name nor anything like it (Orchestrator__<Section>__<Property> or {HostConfiguration.FileVariable})"
                    : Resolve(KeyOf(variable.Key), variable.Value) is { Binds: false } binding ? $"{variable.Key}: {binding.Problem}" : null)
            .OfType<string>()
            .ToList();

    /// <summary>Binds <paramref name="key"/>; with a value, also checks the value converts to the property's type.</summary>
    public static KeyBinding Resolve(string key, string? value = null)
    {
        var segments = key.Split(':');
        var problems = new List<string>();
        foreach (var (section, options) in Sections.OrderByDescending(s => s.Section.Length))
        {
            var sectionSegments = section.Split(':');
            if (segments.Length < sectionSegments.Length
                || !sectionSegments.Select((s, i) => string.Equals(s, segments[i], StringComparison.OrdinalIgnoreCase)).All(same => same))
            {
                continue;
            }

            var walk = Walk(options, segments, sectionSegments.Length, $"{options.Name} ({section})");
            if (walk.Target is { } target)
            {
                return value is null || Converts(target, value)
                    ? new KeyBinding(key, target, null)
                    : new KeyBinding(key, null, $"'{value}' is not a {Describe(target)}");
            }

            problems.Add(walk.Problem!);
        }

        return new KeyBinding(key, null, problems.Count > 0 ? problems[0] : $"no options class is bound to any section of '{key}'");
    }

    static (Type? Target, string? Problem) Walk(Type type, string[] segments, int index, string path)
    {
        if (index == segments.Length)
        {
            return IsValue(type) ? (type, null) : (null, $"{path} is a section ({Describe(type)}), not a value");
        }

        var segment = segments[index];
        if (IsValue(type))
        {
            return (null, $"{path} is a {Describe(type)} value; it has no '{segment}'");
        }

        if (ElementOf(type, typeof(IDictionary<,>)) is { } dictionary)
        {
            return dictionary.GetGenericArguments()[0] == typeof(string)
                ? Walk(dictionary.GetGenericArguments()[1], segments, index + 1, $"{path}[{segment}]")
                : (null, $"{path} is a dictionary with non-text keys");
        }

        if (ElementOf(type, typeof(IList<>)) is { } list)
        {
            return int.TryParse(segment, out var position) && position >= 0
                ? Walk(list.GetGenericArguments()[0], segments, index + 1, $"{path}[{segment}]")
                : (null, $"{path} is a list; '{segment}' is not an index (0, 1, …)");
        }

        var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null)
        {
            var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);
            return (null, $"{path} has no property '{segment}' (it has {string.Join(", ", known)})");
        }

        if (property.SetMethod is not { IsPublic: true } && IsValue(property.PropertyType))
        {
            return (null, $"{path}.{property.Name} is read-only");
        }

        return Walk(property.PropertyType, segments, index + 1, $"{path}.{property.Name}");
    }

    static Type? ElementOf(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);

    static bool IsValue(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(decimal)
            || underlying == typeof(TimeSpan) || underlying == typeof(DateTime) || underlying == typeof(DateTimeOffset)
            || underlying == typeof(Guid) || underlying == typeof(Uri) || underlying == typeof(Duration);
    }

    static bool Converts(Type target, string value)
    {
        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        if (underlying == typeof(string))
        {
            return true;
        }

        try
        {
            return TypeDescriptor.GetConverter(underlying).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    static string Describe(Type type) =>
        Nullable.GetUnderlyingType(type) is { } underlying ? underlying.Name + "?" : type.IsGenericType ? type.Name.Split('`')[0] + "<…>" : type.Name;
}

/// <summary>A key and the property type it binds to, or why it binds to nothing.</summary>
public sealed record KeyBinding(string Key, Type? Target, string? Problem)
{
    public bool Binds => Target is not null;

    public override string ToString() => Binds ? $"{Key} → {Target!.Name}" : $"{Key}: {Problem}";
}
