using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Http;
using Orchestrator.Host.Observability;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// The one configuration check every verb runs before it builds anything (<c>serve</c>, <c>run</c>,
/// <c>sample-data</c>, <c>config check</c>): the file, then every options section, the log levels, the allowed hosts
/// and the pipelines' crawler and job names. It returns all problems at once, so a user fixes the configuration in
/// one go: a value that cannot even be converted is reported and left out, so it does not hide the other problems.
/// The options checked are the ones the host's registrations validate at start (<c>ValidateOnStart</c>), found
/// through the same <see cref="IStartupValidator"/> the host runs: there is no second list to keep in step.
/// </summary>
public static partial class ConfigurationProblems
{
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

    public static IReadOnlyList<string> Find(IConfiguration configuration) =>
        Find(configuration, (services, effective) => services.AddOrchestrator(effective));

    /// <summary>
    /// Every problem of <paramref name="configuration"/> for the options <paramref name="register"/> registers (it is
    /// called again with the configuration less the values that did not convert).
    /// </summary>
    public static IReadOnlyList<string> Find(IConfiguration configuration, Action<IServiceCollection, IConfiguration> register)
    {
        var problems = new List<string>();
        problems.AddRange(LoggingSetup.Problems(configuration));
        problems.AddRange(AllowedHosts.Problems(configuration));

        // The binder stops at the first value that does not convert, and at a key that binds to nothing where unknown
        // keys are refused. Each such key is reported, then left out, and the options are read again, so the other
        // problems show too.
        var unset = new List<string>();
        while (true)
        {
            var effective = unset.Count == 0
                ? configuration
                : new ConfigurationBuilder().AddInMemoryCollection(configuration.AsEnumerable().Where(kv => kv.Value is not null && !IsUnder(kv.Key, unset))).Build();
            var (optionsProblems, leftOut) = OptionsProblems(effective, register);
            var fresh = leftOut.Where(c => !IsUnder(c.Key, unset)).ToList();
            if (fresh.Count == 0)
            {
                problems.AddRange(optionsProblems);
                return problems;
            }

            foreach (var (key, problem) in fresh)
            {
                problems.Add(problem);
                unset.Add(key);
            }
        }
    }

    static bool IsUnder(string key, IEnumerable<string> sections) =>
        sections.Any(s => string.Equals(key, s, StringComparison.OrdinalIgnoreCase) || key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Runs every validation the registrations ask for at start; returns their problems, and the keys to leave out
    /// (unknown ones, and the one value the binder could not convert) with the problem each is.
    /// </summary>
    static (List<string> Problems, List<(string Key, string Problem)> LeftOut) OptionsProblems(
        IConfiguration configuration, Action<IServiceCollection, IConfiguration> register)
    {
        var problems = new List<string>();
        var services = new ServiceCollection();
        register(services, configuration);
        using var provider = services.BuildServiceProvider();
        var shapes = provider.GetServices<OptionsShape>().ToList();
        var leftOut = shapes.SelectMany(shape => shape.UnknownKeys(configuration)).ToList();
        if (leftOut.Count > 0)
        {
            return (problems, leftOut);
        }

        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException validation)
        {
            problems.AddRange(validation.Failures);
        }
        catch (AggregateException all) when (all.InnerExceptions.All(e => e is OptionsValidationException))
        {
            problems.AddRange(all.InnerExceptions.Cast<OptionsValidationException>().SelectMany(v => v.Failures));
        }
        catch (InvalidOperationException failure)
        {
            // The binder stops at the first value it cannot convert, and the validations after it do not run. Inside
            // a dictionary or list the conversion failure comes wrapped (binding with ErrorOnUnknownConfiguration).
            var conversion = Chain(failure).Select(e => BinderConversion().Match(e.Message)).FirstOrDefault(m => m.Success);
            if (conversion is not null)
            {
                leftOut.Add((conversion.Groups[2].Value, Explain(conversion, shapes)));
            }
            else
            {
                problems.Add(Chain(failure).Last().Message);
            }
        }

        return (problems, leftOut);
    }

    static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
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
    static string Explain(Match conversion, IEnumerable<OptionsShape> shapes)
    {
        var (value, key, type) = (conversion.Groups[1].Value, conversion.Groups[2].Value, conversion.Groups[3].Value);
        if (shapes.Select(s => s.Property(key)).FirstOrDefault(p => p is not null) is { } property)
        {
            return Nullable.GetUnderlyingType(property.PropertyType) == typeof(Duration) || property.PropertyType == typeof(Duration)
                ? $"{key}: '{value}' is not a duration; use {Duration.Allowed}."
                : $"{key}: '{value}' is not allowed; use {AllowedValues.Describe(property)}.";
        }

        var allowed = Type.GetType(type) is { } known ? AllowedValues.Describe(known) : $"a value of type {type}";
        return $"{key}: '{value}' is not allowed; use {allowed}.";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(.*)' at '(.*)' to type '([^']+)'", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex BinderConversion();
}
