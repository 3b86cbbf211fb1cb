using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Aws;

/// <summary>Checks <see cref="AwsGlueOptions"/> at start-up and reports every problem at once.</summary>
sealed partial class AwsGlueOptionsValidator : IValidateOptions<AwsGlueOptions>
{
    const string Prefix = AwsGlueOptions.SectionPath + ":";

    public ValidateOptionsResult Validate(string? name, AwsGlueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        if (!string.IsNullOrWhiteSpace(options.Region) && !RegionPattern().IsMatch(options.Region))
        {
            problems.Add($"{Prefix}Region '{options.Region}' is not an AWS region name such as 'eu-west-1'.");
        }

        if (!string.IsNullOrWhiteSpace(options.ServiceUrl) && ServiceUrlProblem(options.ServiceUrl) is { } urlProblem)
        {
            problems.Add($"{Prefix}ServiceUrl '{options.ServiceUrl}' {urlProblem}");
        }

        if (!string.IsNullOrWhiteSpace(options.S3ServiceUrl) && ServiceUrlProblem(options.S3ServiceUrl) is { } s3UrlProblem)
        {
            problems.Add($"{Prefix}S3ServiceUrl '{options.S3ServiceUrl}' {s3UrlProblem}");
        }

        if (!string.IsNullOrWhiteSpace(options.ManifestBucket) && !BucketPattern().IsMatch(options.ManifestBucket))
        {
            problems.Add($"{Prefix}ManifestBucket '{options.ManifestBucket}' is not an S3 bucket name " +
                "(3-63 lowercase letters, digits, '.' and '-'; no 's3://' and no key).");
        }

        if (!Enum.IsDefined(options.RawDataSource))
        {
            problems.Add($"{Prefix}RawDataSource '{options.RawDataSource}' is not allowed; use Catalog or S3.");
        }

        if (string.IsNullOrWhiteSpace(options.RawDateKey) || !PartitionKeyPattern().IsMatch(options.RawDateKey))
        {
            problems.Add($"{Prefix}RawDateKey '{options.RawDateKey}' is not a partition key name (letters, digits and '_').");
        }

        if (!string.IsNullOrEmpty(options.RawHourKey) && !PartitionKeyPattern().IsMatch(options.RawHourKey))
        {
            problems.Add($"{Prefix}RawHourKey '{options.RawHourKey}' is not a partition key name (letters, digits and '_'); leave it empty when the raw table has no hour key.");
        }

        RequireRange(problems, nameof(options.MaxAttempts), options.MaxAttempts, 1, 20);
        RequireRange(problems, nameof(options.MaxStartAttempts), options.MaxStartAttempts, 1, 10);
        RequireRange(problems, nameof(options.MarkerScanPageSize), options.MarkerScanPageSize, 1, 200);
        RequireRange(problems, nameof(options.MarkerScanMaxPages), options.MarkerScanMaxPages, 1, 100);
        RequirePositive(problems, nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.FromMinutes(10));
        RequirePositive(problems, nameof(options.RetryMaxDelay), options.RetryMaxDelay, TimeSpan.FromMinutes(10));
        RequirePositive(problems, nameof(options.RequestTimeout), options.RequestTimeout, TimeSpan.FromMinutes(10));
        RequireNotNegative(problems, nameof(options.ReconcileDelay), options.ReconcileDelay, TimeSpan.FromMinutes(10));
        RequireNotNegative(problems, nameof(options.MarkerScanLookback), options.MarkerScanLookback, TimeSpan.FromDays(1));

        if (options.RetryBaseDelay > options.RetryMaxDelay)
        {
            problems.Add($"{Prefix}RetryBaseDelay ({options.RetryBaseDelay}) must not exceed RetryMaxDelay ({options.RetryMaxDelay}).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    static string? ServiceUrlProblem(string serviceUrl)
    {
        // On Unix a bare path parses as an absolute file URI; report it as what the user most likely meant.
        if (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out var uri) ||
            (uri.IsFile && !serviceUrl.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return "is not an absolute URL; use e.g. 'http://127.0.0.1:5000' for moto.";
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"uses the scheme '{uri.Scheme}'; only http and https are allowed.";
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not carry a query, fragment or user info: requests are signed and sent to the URL itself.";
        }

        return null;
    }

    static void RequireRange(List<string> problems, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{Prefix}{key} is {value}; allowed: {min}..{max}.");
        }
    }

    static void RequirePositive(List<string> problems, string key, TimeSpan value, TimeSpan max)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{Prefix}{key} is {value}; it must be greater than zero.");
        }
        else if (value > max)
        {
            problems.Add($"{Prefix}{key} is {value}; allowed: at most {max}.");
        }
    }

    static void RequireNotNegative(List<string> problems, string key, TimeSpan value, TimeSpan max)
    {
        if (value < TimeSpan.Zero)
        {
            problems.Add($"{Prefix}{key} is {value}; it must not be negative.");
        }
        else if (value > max)
        {
            problems.Add($"{Prefix}{key} is {value}; allowed: at most {max}.");
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PartitionKeyPattern();
}
