using System.Reflection;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Glue.Aws;
using Orchestrator.Activities.Glue.Local;
using Orchestrator.Host.Api;
using Orchestrator.Host.Storage;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// Binds and validates every options section and returns all problems at once, so a user fixes the configuration
/// in one go: each section is read on its own, so a value that cannot even be converted in one section does not hide
/// the problems of the others. Used by <c>config check</c> and before any verb starts.
/// </summary>
public static class ConfigurationProblems
{
    static readonly Type[] Sections =
    [
        typeof(OrchestratorOptions), typeof(StoreOptions), typeof(ApiOptions), typeof(GlueSelection), typeof(PipelinesOptions),
        typeof(AwsGlueOptions), typeof(LocalGlueOptions),
    ];

    public static IReadOnlyList<string> Find(IServiceProvider services)
    {
        var problems = new List<string>();
        foreach (var section in Sections)
        {
            var options = services.GetRequiredService(typeof(IOptions<>).MakeGenericType(section));
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
                // The binder could not convert a value; its message names the key and the type it wanted.
                problems.Add(conversion.Message);
            }
        }

        return problems;
    }

    public static void Print(IReadOnlyList<string> problems, TextWriter output)
    {
        output.WriteLine($"The configuration has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:");
        foreach (var problem in problems)
        {
            output.WriteLine($"  - {problem}");
        }
    }
}
