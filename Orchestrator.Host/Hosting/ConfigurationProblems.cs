using Microsoft.Extensions.Options;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// Runs every options validator registered with ValidateOnStart and returns all problems at once, so a user fixes
/// the configuration in one go. Used by <c>config check</c> and before any verb starts.
/// </summary>
public static class ConfigurationProblems
{
    public static IReadOnlyList<string> Find(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.ToList();
        }
        catch (AggregateException ex)
        {
            return ex.InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : [e.Message]).ToList();
        }
        catch (InvalidOperationException ex)
        {
            // The binder could not convert a value; its message names the key and the type it wanted.
            return [ex.Message];
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
}
