using System.Globalization;
using Microsoft.Extensions.Options;

namespace Orchestrator.Activities.Costs;

/// <summary>Checks <see cref="CostOptions"/> at start-up: every price and the crawler DPUs finite and in range.</summary>
public sealed class CostOptionsValidator : IValidateOptions<CostOptions>
{
    public const double MaximumPrice = 1000;

    public ValidateOptionsResult Validate(string? name, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Check(nameof(options.StandardDpuHourPrice), options.StandardDpuHourPrice, 0, MaximumPrice, problems);
        Check(nameof(options.FlexDpuHourPrice), options.FlexDpuHourPrice, 0, MaximumPrice, problems);
        Check(nameof(options.CrawlerDpuHourPrice), options.CrawlerDpuHourPrice, 0, MaximumPrice, problems);
        Check(nameof(options.CrawlerDpu), options.CrawlerDpu, 0.0625, 1000, problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>NaN compares false with every bound, so it is refused on its own, as are infinities.</summary>
    static void Check(string field, double value, double minimum, double maximum, List<string> problems)
    {
        if (!double.IsFinite(value) || value < minimum || value > maximum)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{CostOptions.Section}:{field}: '{value}' is not allowed; use a number from {minimum} to {maximum}."));
        }
    }
}
