using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// Turns the pipelines written in configuration into <see cref="PipelineDefinition"/>s, collecting every problem
/// (which key, what was wrong, what is allowed) rather than stopping at the first.
/// </summary>
public static partial class PipelineDefinitionReader
{
    public const string Section = "Orchestrator:Pipelines";

    public static PipelineReadResult ReadAll(IReadOnlyDictionary<string, PipelineOptions> pipelines)
    {
        var problems = new List<string>();
        var definitions = new List<PipelineDefinition>();
        if (pipelines.Count == 0)
        {
            problems.Add($"{Section}: no pipeline is configured; add one (see docs/configuration.md).");
        }

        foreach (var (name, options) in pipelines.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (Read(name, options, problems) is { } definition)
            {
                definitions.Add(definition);
            }
        }

        return new PipelineReadResult(problems.Count == 0 ? definitions : [], problems);
    }

    static PipelineDefinition? Read(string name, PipelineOptions options, List<string> problems)
    {
        var key = $"{Section}:{name}";
        var before = problems.Count;
        if (!SafeName().IsMatch(name))
        {
            problems.Add($"{key}: the pipeline name '{name}' may only use letters, digits, '.', '_' and '-' (it becomes part of run ids).");
        }

        var schedule = ReadSchedule(key, options, problems);
        var overlap = ReadEnum(key, "Overlap", options.Overlap, OverlapPolicy.Skip, problems);
        var runOnStartup = ReadBool(key, "RunOnStartup", options.RunOnStartup, false, problems);
        var cleanWhen = ReadEnum(key, "CleanCrawlerWhen", options.CleanCrawlerWhen, CleanCrawlerCondition.AllSucceeded, problems);
        var maxParallel = ReadInt(key, "MaxParallelJobs", options.MaxParallelJobs, 8, 1, 10_000, problems);
        var retry = ReadRetry($"{key}:Retry", options.Retry, RetryPolicy.Default, problems);
        var crawlerRetry = options.CrawlerRetry is null ? retry : ReadRetry($"{key}:CrawlerRetry", options.CrawlerRetry, retry, problems);
        var poll = ReadPoll($"{key}:Poll", options.Poll, problems);
        var jobTimeout = ReadDuration(key, "JobTimeout", options.JobTimeout, TimeSpan.FromHours(2), problems);
        var crawlerTimeout = ReadDuration(key, "CrawlerTimeout", options.CrawlerTimeout, TimeSpan.FromMinutes(30), problems);
        var deadline = ReadDuration(key, "RunDeadline", options.RunDeadline, DefaultDeadline(schedule), problems);

        if (options.Entities.Count == 0)
        {
            problems.Add($"{key}:Entities: the pipeline has no entities; add at least one with its Job and Arguments.");
        }

        var entities = new List<EntityDefinition>();
        foreach (var (entityName, entity) in options.Entities.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var entityKey = $"{key}:Entities:{entityName}";
            if (!SafeName().IsMatch(entityName))
            {
                problems.Add($"{entityKey}: the entity name '{entityName}' may only use letters, digits, '.', '_' and '-'.");
            }

            if (string.IsNullOrWhiteSpace(entity.Job))
            {
                problems.Add($"{entityKey}:Job: every entity needs the name of the Glue job that prepares it.");
            }

            foreach (var argument in entity.Arguments.Keys.Where(a => !a.StartsWith("--", StringComparison.Ordinal)))
            {
                problems.Add($"{entityKey}:Arguments:{argument}: Glue job arguments must start with '--'.");
            }

            entities.Add(new EntityDefinition(
                entityName,
                entity.Job ?? string.Empty,
                new SortedDictionary<string, string>(entity.Arguments, StringComparer.Ordinal),
                entity.Retry is null ? retry : ReadRetry($"{entityKey}:Retry", entity.Retry, retry, problems),
                ReadDuration(entityKey, "JobTimeout", entity.JobTimeout, jobTimeout, problems)));
        }

        foreach (var target in entities.GroupBy(e => e.Arguments.GetValueOrDefault("--target_entity_name"), StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Key is not null && g.Count() > 1))
        {
            problems.Add($"{key}:Entities: {string.Join(" and ", target.Select(e => e.Name))} both write the clean table '{target.Key}' (--target_entity_name); each entity needs its own.");
        }

        if (poll.FirstDelay > poll.MaxDelay)
        {
            problems.Add($"{key}:Poll: FirstDelay ({poll.FirstDelay}) is longer than MaxDelay ({poll.MaxDelay}).");
        }

        return problems.Count > before
            ? null
            : new PipelineDefinition(name, schedule, overlap, runOnStartup, Blank(options.RawCrawler), Blank(options.CleanCrawler),
                cleanWhen, maxParallel, poll, crawlerTimeout, deadline, entities, crawlerRetry);
    }

    static PipelineSchedule? ReadSchedule(string key, PipelineOptions options, List<string> problems)
    {
        var timeZone = string.IsNullOrWhiteSpace(options.TimeZone) ? "UTC" : options.TimeZone.Trim();
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            problems.Add($"{key}:TimeZone: '{timeZone}' is not a known time zone; use an IANA name such as UTC or Europe/Paris.");
        }

        if (string.IsNullOrWhiteSpace(options.Schedule))
        {
            return null;
        }

        if (options.Schedule.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6)
        {
            problems.Add($"{key}:Schedule: '{options.Schedule}' has a seconds field; schedules are per minute (a scheduled run's id names its minute), so use five fields, e.g. */30 * * * *.");
            return null;
        }

        try
        {
            ParseCron(options.Schedule);
        }
        catch (CronFormatException ex)
        {
            problems.Add($"{key}:Schedule: '{options.Schedule}' is not a cron expression ({ex.Message}); use five fields, e.g. */30 * * * *.");
        }

        return new PipelineSchedule(options.Schedule.Trim(), timeZone);
    }

    /// <summary>A five-field cron (minute, hour, day of month, month, day of week).</summary>
    public static CronExpression ParseCron(string cron) => CronExpression.Parse(cron.Trim(), CronFormat.Standard);

    /// <summary>Shorter than the schedule interval, so a run still going when the next one is due gets flagged.</summary>
    static TimeSpan DefaultDeadline(PipelineSchedule? schedule)
    {
        if (schedule is null)
        {
            return TimeSpan.FromHours(24);
        }

        try
        {
            var cron = ParseCron(schedule.Cron);
            var reference = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
            var occurrences = cron.GetOccurrences(reference, reference.AddDays(8)).Take(50).ToList();
            var interval = occurrences.Zip(occurrences.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.FromDays(1)).Min();
            return TimeSpan.FromTicks((long)(interval.Ticks * 0.9));
        }
        catch (CronFormatException)
        {
            return TimeSpan.FromHours(24);
        }
    }

    static RetryPolicy ReadRetry(string key, RetryOptions options, RetryPolicy defaults, List<string> problems)
    {
        var policy = new RetryPolicy(
            ReadInt(key, "MaxAttempts", options.MaxAttempts, defaults.MaxAttempts, 1, 100, problems),
            ReadDuration(key, "FirstDelay", options.FirstDelay, defaults.FirstDelay, problems),
            ReadDouble(key, "BackoffCoefficient", options.BackoffCoefficient, defaults.BackoffCoefficient, problems),
            ReadDuration(key, "MaxDelay", options.MaxDelay, defaults.MaxDelay, problems),
            ReadBool(key, "Jitter", options.Jitter, defaults.FullJitter, problems),
            options.RetryOn.Count > 0 ? options.RetryOn : defaults.RetryOn,
            options.NeverRetryOn.Count > 0 ? options.NeverRetryOn : defaults.NeverRetryOn,
            options.RetryOnMessages.Count > 0 ? options.RetryOnMessages : defaults.RetryOnMessages,
            options.NeverRetryOnMessages.Count > 0 ? options.NeverRetryOnMessages : defaults.NeverRetryOnMessages,
            ReadInt(key, "MaxInterruptedAttempts", options.MaxInterruptedAttempts, defaults.MaxInterruptedAttempts, 0, 1000, problems));
        foreach (var pattern in policy.RetryOnMessages.Concat(policy.NeverRetryOnMessages))
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                problems.Add($"{key}: '{pattern}' is not a regular expression: {ex.Message}");
            }
        }

        if (policy.FirstDelay > policy.MaxDelay)
        {
            problems.Add($"{key}: FirstDelay ({policy.FirstDelay}) is longer than MaxDelay ({policy.MaxDelay}).");
        }

        return policy;
    }

    static PollPolicy ReadPoll(string key, PollOptions options, List<string> problems) => new(
        ReadDuration(key, "FirstDelay", options.FirstDelay, TimeSpan.FromSeconds(5), problems),
        ReadDuration(key, "MaxDelay", options.MaxDelay, TimeSpan.FromMinutes(1), problems),
        ReadDouble(key, "BackoffCoefficient", options.BackoffCoefficient, 1.5, problems));

    static TimeSpan ReadDuration(string key, string name, string? text, TimeSpan fallback, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!DurationText.TryParse(text, out var value))
        {
            problems.Add($"{key}:{name}: '{text}' is not a duration; use {DurationText.Allowed}.");
            return fallback;
        }

        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{key}:{name}: {text} must be longer than zero.");
        }
        else if (value > DurationText.Maximum)
        {
            problems.Add($"{key}:{name}: '{text}' is too long; use at most {DurationText.Maximum.TotalDays:0} days.");
            return fallback;
        }

        return value;
    }

    static int ReadInt(string key, string name, string? text, int fallback, int min, int max, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems.Add($"{key}:{name}: '{text}' is not allowed; use a whole number from {min} to {max}.");
            return fallback;
        }

        return value;
    }

    static double ReadDouble(string key, string name, string? text, double fallback, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        // NaN compares false with every bound, so it must be refused on its own (as must infinities).
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 1 || value > 100)
        {
            problems.Add($"{key}:{name}: '{text}' is not allowed; use a number from 1 to 100 (1 keeps the delay constant).");
            return fallback;
        }

        return value;
    }

    static bool ReadBool(string key, string name, string? text, bool fallback, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!bool.TryParse(text, out var value))
        {
            problems.Add($"{key}:{name}: '{text}' is not allowed; use true or false.");
            return fallback;
        }

        return value;
    }

    static T ReadEnum<T>(string key, string name, string? text, T fallback, List<string> problems)
        where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!Enum.TryParse<T>(text, ignoreCase: true, out var value) || !Enum.IsDefined(value) || int.TryParse(text, out _))
        {
            problems.Add($"{key}:{name}: '{text}' is not allowed; use {string.Join(", ", Enum.GetNames<T>())}.");
            return fallback;
        }

        return value;
    }

    static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();
}

/// <summary>The definitions read, or the problems that stop them from being used (then no definition is returned).</summary>
public sealed record PipelineReadResult(IReadOnlyList<PipelineDefinition> Definitions, IReadOnlyList<string> Problems);
