using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Orchestrator.Glue.Local;

/// <summary>Checks <see cref="LocalGlueOptions"/> at start-up and lists every problem at once.</summary>
public sealed partial class LocalGlueOptionsValidator : IValidateOptions<LocalGlueOptions>
{
    const string Section = LocalGlueOptions.SectionPath;

    public ValidateOptionsResult Validate(string? name, LocalGlueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.LakeRoot))
        {
            problems.Add($"{Section}:LakeRoot is empty; give the folder that holds the raw and clean zones.");
        }

        if (string.IsNullOrWhiteSpace(options.CatalogPath))
        {
            problems.Add($"{Section}:CatalogPath is empty; give the SQLite file of the local catalog.");
        }

        if (options.Threads < 0)
        {
            problems.Add($"{Section}:Threads is {options.Threads}; use 0 (every core) or a positive number.");
        }
        else if (options.Threads > 1024)
        {
            problems.Add($"{Section}:Threads is {options.Threads}; use at most 1024.");
        }

        if (!MemoryLimitPattern().IsMatch(options.MemoryLimit ?? string.Empty))
        {
            problems.Add($"{Section}:MemoryLimit '{options.MemoryLimit}' is not a size such as 512MB, 2GB or 50%.");
        }

        if (options.MaxBatchBytes < 1024 * 1024)
        {
            problems.Add($"{Section}:MaxBatchBytes is {options.MaxBatchBytes}; it must be at least 1048576 (1 MiB).");
        }

        foreach (var format in options.DatetimeFormats)
        {
            if (StrptimeFormat.Problem(format) is { } problem)
            {
                problems.Add($"{Section}:DatetimeFormats entry '{format}' {problem}");
            }
        }

        var zoneOfDatabase = ValidateCrawlers(options, problems);
        ValidateJobs(options, zoneOfDatabase, problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    static Dictionary<string, string> ValidateCrawlers(LocalGlueOptions options, List<string> problems)
    {
        var zoneOfDatabase = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (crawler, settings) in options.Crawlers)
        {
            if (!LakeZone.IsKnown(settings.Zone))
            {
                problems.Add($"{Section}:Crawlers:{crawler}:Zone '{settings.Zone}' is not a zone; use " +
                    $"'{LakeZone.Raw}' or '{LakeZone.Clean}'.");
            }

            if (!LakeNames.IsName(settings.Database))
            {
                problems.Add($"{Section}:Crawlers:{crawler}:Database '{settings.Database}' is not a database name " +
                    "(letters, digits, '_', '-').");
            }
            else if (zoneOfDatabase.TryGetValue(settings.Database, out var zone) && zone != settings.Zone)
            {
                problems.Add($"{Section}:Crawlers:{crawler}: database '{settings.Database}' is already the " +
                    $"'{zone}' zone's database; one database describes one zone.");
            }
            else
            {
                zoneOfDatabase[settings.Database] = settings.Zone;
            }

            ValidateTables(crawler, settings.Tables, problems);
            if (settings.RehearseDelay < TimeSpan.Zero)
            {
                problems.Add($"{Section}:Crawlers:{crawler}:RehearseDelay {settings.RehearseDelay} must not be negative.");
            }
        }

        return zoneOfDatabase;
    }

    static void ValidateTables(string crawler, List<string> tables, List<string> problems)
    {
        foreach (var (table, index) in tables.Select((t, i) => (t, i)))
        {
            if (!LakeNames.IsName(table) || LakeNames.IsHidden(table))
            {
                problems.Add($"{Section}:Crawlers:{crawler}:Tables:{index} '{table}' is not an entity folder name " +
                    "(letters, digits, '_', '-'; not starting with '_' or '.').");
            }
        }

        foreach (var duplicate in tables.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{Section}:Crawlers:{crawler}:Tables lists '{duplicate.Key}' {duplicate.Count()} times; list each folder once.");
        }
    }

    static void ValidateJobs(
        LocalGlueOptions options, Dictionary<string, string> zoneOfDatabase, List<string> problems)
    {
        foreach (var (job, settings) in options.Jobs)
        {
            var path = $"{Section}:Jobs:{job}";
            if (settings.Transform != LocalJobOptions.DataPreparation)
            {
                problems.Add($"{path}:Transform '{settings.Transform}' is unknown; the local engine offers " +
                    $"'{LocalJobOptions.DataPreparation}'.");
            }

            if (settings.MaxConcurrentRuns < 1)
            {
                problems.Add($"{path}:MaxConcurrentRuns is {settings.MaxConcurrentRuns}; it must be at least 1.");
            }
            else if (settings.MaxConcurrentRuns > 1000)
            {
                problems.Add($"{path}:MaxConcurrentRuns is {settings.MaxConcurrentRuns}; it must be at most 1000.");
            }

            if (settings.Timeout < 1)
            {
                problems.Add($"{path}:Timeout is {settings.Timeout}; give minutes, at least 1.");
            }
            else if (settings.Timeout > 10080)
            {
                problems.Add($"{path}:Timeout is {settings.Timeout}; give minutes, at most 10080 (7 days, Glue's own limit).");
            }

            ValidateSize(path, settings, problems);
            foreach (var (argument, value) in settings.DefaultArguments)
            {
                if (!argument.StartsWith("--", StringComparison.Ordinal))
                {
                    problems.Add($"{path}:DefaultArguments '{argument}' must start with '--', as Glue arguments do.");
                }
                else if (argument is DataPreparationArguments.RawDatabaseArgument or DataPreparationArguments.CleanDatabaseArgument
                    && !zoneOfDatabase.ContainsKey(value))
                {
                    problems.Add($"{path}:DefaultArguments {argument} '{value}' is not the Database of any crawler " +
                        $"(declared: {Describe(zoneOfDatabase.Keys)}).");
                }
            }
        }
    }

    static string Describe(IEnumerable<string> names)
    {
        var list = string.Join(", ", names.Order(StringComparer.Ordinal));
        return list.Length == 0 ? "none" : list;
    }

    [GeneratedRegex(@"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex MemoryLimitPattern();

    /// <summary>The AWS job size a local job's cost is estimated with.</summary>
    static void ValidateSize(string path, LocalJobOptions settings, List<string> problems)
    {
        if (!JobRunCapacity.DpuPerWorker.ContainsKey(settings.WorkerType ?? string.Empty))
        {
            problems.Add($"{path}:WorkerType '{settings.WorkerType}' is not a Glue worker type; use one of {string.Join(", ", JobRunCapacity.DpuPerWorker.Keys)}.");
        }

        if (settings.NumberOfWorkers is < 1 or > 10_000)
        {
            problems.Add($"{path}:NumberOfWorkers is {settings.NumberOfWorkers}; use a whole number from 1 to 10000.");
        }

        if (settings.ExecutionClass?.ToUpperInvariant() is not ("STANDARD" or JobRunCapacity.Flex))
        {
            problems.Add($"{path}:ExecutionClass '{settings.ExecutionClass}' is not allowed; use STANDARD or FLEX.");
        }

        if (string.IsNullOrWhiteSpace(settings.GlueVersion))
        {
            problems.Add($"{path}:GlueVersion is empty; give the Glue version of the AWS job, e.g. 4.0.");
        }
    }
}
