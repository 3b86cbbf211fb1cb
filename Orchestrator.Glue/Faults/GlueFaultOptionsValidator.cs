using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Faults;

/// <summary>Checks <see cref="GlueFaultOptions"/> at start-up, whether enabled or not, and reports every problem at once.</summary>
public sealed class GlueFaultOptionsValidator : IValidateOptions<GlueFaultOptions>
{
    static readonly TimeSpan MaxSlowPollDelay = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, GlueFaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        foreach (var (field, value) in Probabilities(options))
        {
            if (ProbabilityProblem(value) is { } problem)
            {
                problems.Add($"{GlueFaultOptions.SectionPath}:{field} {problem}");
            }
        }

        if (options.SlowPollDelay < TimeSpan.Zero || options.SlowPollDelay > MaxSlowPollDelay)
        {
            problems.Add($"{GlueFaultOptions.SectionPath}:SlowPollDelay is {options.SlowPollDelay}; give 00:00:00 to {MaxSlowPollDelay}.");
        }

        if (options.JournalPath is { } journal && journal.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            problems.Add($"{GlueFaultOptions.SectionPath}:JournalPath '{journal}' is not a valid path.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Why <paramref name="value"/> is not a probability, or null when it is one; shared with the rehearse verb.</summary>
    public static string? ProbabilityProblem(double value) =>
        double.IsNaN(value) || value < 0 || value > 1
            ? $"is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}; give a probability from 0 to 1 (0.05 = 5% of calls)."
            : null;

    static IEnumerable<(string Field, double Value)> Probabilities(GlueFaultOptions options) =>
    [
        (nameof(options.Throttling), options.Throttling),
        (nameof(options.ServerErrors), options.ServerErrors),
        (nameof(options.AmbiguousStarts), options.AmbiguousStarts),
        (nameof(options.JobFailures), options.JobFailures),
        (nameof(options.SlowPolls), options.SlowPolls),
    ];
}
