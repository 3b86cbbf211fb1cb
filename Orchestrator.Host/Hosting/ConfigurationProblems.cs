using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Orchestrator.Glue.Aws;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Api;
using Orchestrator.Host.Http;
using Orchestrator.Host.Observability;
using Orchestrator.Storage;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// The one configuration check every verb runs before it builds anything (<c>serve</c>, <c>run</c>,
/// <c>sample-data</c>, <c>config check</c>): the file, then every options section, the log levels, the allowed hosts
/// and the pipelines' crawler and job names. It returns all problems at once, so a user fixes the configuration in
/// one go: each section is read on its own, so a value that cannot even be converted in one section does not hide
/// the problems of the others.
/// </summary>
public static partial class ConfigurationProblems
{
    static readonly Type[] Sections =
    [
        typeof(OrchestratorOptions), typeof(StoreOptions), typeof(ApiOptions), typeof(GlueSelection), typeof(PipelinesOptions),
        typeof(AwsGlueOptions), typeof(LocalGlueOptions),
    ];

    /// <summary>
    /// Loads <paramref name="file"/> and the environment into <paramref name="configuration"/> and checks all of it;
    /// prints every problem to <paramref name="output"/> and returns false when there are any.
    /// <paramref name="addSources"/> adds what a verb reads on top (serve: ASPNETCORE_ variables).
    /// </summary>
    public static bool Load(IConfigurationManager configuration, string? file, TextWriter output, Action<IConfigurationBuilder>? addSources = null)
    {
        var problems = HostConfiguration.Apply(configuration, file);
        if (problems.Count == 0)
        {
            addSources?.Invoke(configuration);
            problems = Find(configuration);
        }

        if (problems.Count > 0)
        {
            Print(problems, output);
        }

        return problems.Count == 0;
    }

    public static IReadOnlyList<string> Find(IConfiguration configuration)
    {
        var problems = new List<string>();
        problems.AddRange(LoggingSetup.Problems(configuration));
        problems.AddRange(AllowedHosts.Problems(configuration));

        // The binder stops a section at its first value that does not convert. Each such value is reported, then
        // left out, and the sections are read again, so the other problems of that section show too.
        var unset = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var effective = unset.Count == 0
                ? configuration
                : new ConfigurationBuilder().AddInMemoryCollection(configuration.AsEnumerable().Where(kv => kv.Value is not null && !unset.Contains(kv.Key))).Build();
            var (sectionProblems, conversions) = SectionProblems(effective);
            var fresh = conversions.Where(c => !unset.Contains(c.Key)).ToList();
            if (fresh.Count == 0)
            {
                problems.AddRange(sectionProblems);
                problems.AddRange(LocalGlueReferences.Problems(effective));
                return problems;
            }

            foreach (var (key, problem) in fresh)
            {
                problems.Add(problem);
                unset.Add(key);
            }
        }
    }

    static (List<string> Problems, List<(string Key, string Problem)> Conversions) SectionProblems(IConfiguration configuration)
    {
        var problems = new List<string>();
        var conversions = new List<(string, string)>();
        var services = new ServiceCollection();
        services.AddOrchestrator(configuration);
        using var provider = services.BuildServiceProvider();
        foreach (var section in Sections)
        {
            var options = provider.GetRequiredService(typeof(IOptions<>).MakeGenericType(section));
            try
            {
                _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is OptionsValidationException validation)
            {
                problems.AddRange(validation.Failures);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException conversion)
            {
                if (BinderConversion().Match(conversion.Message) is { Success: true } match)
                {
                    conversions.Add((match.Groups[2].Value, Explain(match)));
                }
                else
                {
                    problems.Add(conversion.Message);
                }
            }
        }

        return (problems, conversions);
    }

    public static void Print(IReadOnlyList<string> problems, TextWriter output)
    {
        output.WriteLine($"The configuration has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:");
        foreach (var problem in problems)
        {
            output.WriteLine($"  - {problem}");
        }
    }

    /// <summary>The binder could not convert a value: say which key, what it got and what it takes.</summary>
    static string Explain(Match conversion)
    {
        var (value, key, type) = (conversion.Groups[1].Value, conversion.Groups[2].Value, conversion.Groups[3].Value);
        var allowed = type switch
        {
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration hh:mm:ss or d.hh:mm:ss, e.g. 00:00:30",
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" => "a number",
            _ => $"a value of type {type}",
        };
        return $"{key}: '{value}' is not allowed; use {allowed}.";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(.*)' at '(.*)' to type '([^']+)'", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex BinderConversion();
}
