using System.ComponentModel;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue.Aws;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Api;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// Where a configuration key lands in the host's options classes: the host's own <see cref="OptionsShape"/> walk
/// (the one its configuration check uses), from the section each class is bound to, ending on a value property.
/// An environment name is the key with ':' as '__'.
/// </summary>
public static class OptionsBinding
{
    /// <summary>Each options class and the section the host binds it to (<c>OrchestratorServices.AddOrchestrator</c>).</summary>
    static readonly OptionsShape[] Sections =
    [
        new(OrchestratorOptions.Section, typeof(OrchestratorOptions), UnknownKeysAreProblems: true),
        new(StoreOptions.Section, typeof(StoreOptions), UnknownKeysAreProblems: true),
        new(ApiOptions.Section, typeof(ApiOptions), UnknownKeysAreProblems: true),
        new(GlueSelection.Section, typeof(GlueSelection), UnknownKeysAreProblems: true),
        new(AwsGlueOptions.SectionPath, typeof(AwsGlueOptions), UnknownKeysAreProblems: true),
        new(LocalGlueOptions.SectionPath, typeof(LocalGlueOptions), UnknownKeysAreProblems: true),
        new(PipelineDefinitionReader.Section, typeof(Dictionary<string, PipelineOptions>), UnknownKeysAreProblems: true),
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
        string? problem = null;
        // The innermost section first: Orchestrator:Glue:Aws:Region is AwsGlueOptions.Region, not a property of Glue.
        foreach (var shape in Sections.OrderByDescending(s => s.Section.Length))
        {
            switch (shape.ValueOf(key))
            {
                case { Value: { } target }:
                    return value is null || Converts(target, value)
                        ? new KeyBinding(key, target, null)
                        : new KeyBinding(key, null, $"'{value}' is not a {OptionsShape.Describe(target)}");
                case { Problem: var reason }:
                    problem ??= reason;
                    break;
            }
        }

        return new KeyBinding(key, null, problem ?? $"no options class is bound to any section of '{key}'");
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
}

/// <summary>A key and the property type it binds to, or why it binds to nothing.</summary>
public sealed record KeyBinding(string Key, Type? Target, string? Problem)
{
    public bool Binds => Target is not null;

    public override string ToString() => Binds ? $"{Key} → {Target!.Name}" : $"{Key}: {Problem}";
}
