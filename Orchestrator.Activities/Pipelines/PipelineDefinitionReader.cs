using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// Turns the pipelines bound from configuration (<see cref="PipelineOptions"/>, typed) into
/// <see cref="PipelineDefinition"/>s: defaults and overrides applied, ranges and the rules across settings checked,
/// every problem collected (which key, what was wrong, what is allowed) rather than stopping at the first.
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
        var overlap = Named(key, nameof(options.Overlap), options.Overlap, OverlapPolicy.Skip, problems);
        var runOnStartup = options.RunOnStartup ?? false;
        var cleanWhen = Named(key, nameof(options.CleanCrawlerWhen), options.CleanCrawlerWhen, CleanCrawlerCondition.AllSucceeded, problems);
        var cleanCrawl = Named(key, nameof(options.CleanCrawl), options.CleanCrawl, CleanCrawlMode.AfterAll, problems);
        TimeSpan? visibilitySla = options.VisibilitySla is null ? null : Time(key, nameof(options.VisibilitySla), options.VisibilitySla, TimeSpan.Zero, problems);
        var maxParallel = Whole<PipelineOptions>(key, nameof(options.MaxParallelJobs), options.MaxParallelJobs, 8, problems);
        var retry = ReadRetry($"{key}:Retry", options.Retry, RetryPolicy.Default, problems);
        var crawlerRetry = options.CrawlerRetry is null ? retry : ReadRetry($"{key}:CrawlerRetry", options.CrawlerRetry, retry, problems);
        var poll = ReadPoll($"{key}:Poll", options.Poll, problems);
        var jobTimeout = Time(key, nameof(options.JobTimeout), options.JobTimeout, TimeSpan.FromHours(2), problems);
        var crawlerTimeout = Time(key, nameof(options.CrawlerTimeout), options.CrawlerTimeout, TimeSpan.FromMinutes(30), problems);
        var deadline = Time(key, nameof(options.RunDeadline), options.RunDeadline, DefaultDeadline(schedule), problems);
        var budget = options.Budget is null ? null : ReadBudget($"{key}:Budget", options.Budget, problems);

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

            var entityCrawler = Blank(entity.CleanCrawler);
            if (cleanCrawl == CleanCrawlMode.PerEntity && entityCrawler is null)
            {
                problems.Add($"{entityKey}:CleanCrawler: with CleanCrawl PerEntity every entity needs the crawler that catalogs its clean table.");
            }
            else if (cleanCrawl == CleanCrawlMode.AfterAll && entityCrawler is not null)
            {
                problems.Add($"{entityKey}:CleanCrawler: '{entityCrawler}' is used only with CleanCrawl PerEntity; set {key}:CleanCrawl to PerEntity, or remove it.");
            }

            entities.Add(new EntityDefinition(
                entityName,
                entity.Job ?? string.Empty,
                new SortedDictionary<string, string>(entity.Arguments, StringComparer.Ordinal),
                entity.Retry is null ? retry : ReadRetry($"{entityKey}:Retry", entity.Retry, retry, problems),
                Time(entityKey, nameof(entity.JobTimeout), entity.JobTimeout, jobTimeout, problems),
                cleanCrawl == CleanCrawlMode.PerEntity ? entityCrawler : null,
                entity.SkipWhenNoNewData ?? options.SkipWhenNoNewData ?? false));
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
                cleanWhen, maxParallel, poll, crawlerTimeout, deadline, entities, crawlerRetry, cleanCrawl, visibilitySla, budget);
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
            Whole<RetryOptions>(key, nameof(options.MaxAttempts), options.MaxAttempts, defaults.MaxAttempts, problems),
            Time(key, nameof(options.FirstDelay), options.FirstDelay, defaults.FirstDelay, problems),
            Number<RetryOptions>(key, nameof(options.BackoffCoefficient), options.BackoffCoefficient, defaults.BackoffCoefficient, problems),
            Time(key, nameof(options.MaxDelay), options.MaxDelay, defaults.MaxDelay, problems),
            options.Jitter ?? defaults.FullJitter,
            options.RetryOn.Count > 0 ? options.RetryOn : defaults.RetryOn,
            options.NeverRetryOn.Count > 0 ? options.NeverRetryOn : defaults.NeverRetryOn,
            options.RetryOnMessages.Count > 0 ? options.RetryOnMessages : defaults.RetryOnMessages,
            options.NeverRetryOnMessages.Count > 0 ? options.NeverRetryOnMessages : defaults.NeverRetryOnMessages,
            Whole<RetryOptions>(key, nameof(options.MaxInterruptedAttempts), options.MaxInterruptedAttempts, defaults.MaxInterruptedAttempts, problems));
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

    static PipelineBudget? ReadBudget(string key, BudgetOptions options, List<string> problems)
    {
        if (options.DailyDpuHours is null)
        {
            problems.Add($"{key}:DailyDpuHours: a budget needs the DPU-hours the pipeline may use per day, e.g. 10.");
            return null;
        }

        var hours = Number<BudgetOptions>(key, nameof(options.DailyDpuHours), options.DailyDpuHours, 0, problems);
        var action = Named(key, nameof(options.Action), options.Action, BudgetAction.Alert, problems);
        return new PipelineBudget(hours, action);
    }

    static PollPolicy ReadPoll(string key, PollOptions options, List<string> problems) => new(
        Time(key, nameof(options.FirstDelay), options.FirstDelay, TimeSpan.FromSeconds(5), problems),
        Time(key, nameof(options.MaxDelay), options.MaxDelay, TimeSpan.FromMinutes(1), problems),
        Number<PollOptions>(key, nameof(options.BackoffCoefficient), options.BackoffCoefficient, 1.5, problems));

    /// <summary>A duration longer than zero and at most <see cref="Duration.Maximum"/>, quoted as written when it is not.</summary>
    static TimeSpan Time(string key, string name, Duration? duration, TimeSpan fallback, List<string> problems)
    {
        if (duration is not { } value)
        {
            return fallback;
        }

        if (value.Value <= TimeSpan.Zero)
        {
            problems.Add($"{key}:{name}: {value.Text} must be longer than zero.");
        }
        else if (value.Value > Duration.Maximum)
        {
            problems.Add($"{key}:{name}: '{value.Text}' is too long; use at most {Duration.Maximum.TotalDays:0} days.");
            return fallback;
        }

        return value.Value;
    }

    static int Whole<TOptions>(string key, string name, int? number, int fallback, List<string> problems) =>
        number is { } value && Within<TOptions>(key, name, value, value.ToString(CultureInfo.InvariantCulture), problems) ? value : fallback;

    static double Number<TOptions>(string key, string name, double? number, double fallback, List<string> problems) =>
        number is { } value && Within<TOptions>(key, name, value, value.ToString(CultureInfo.InvariantCulture), problems) ? value : fallback;

    /// <summary>Whether a number is inside the property's <see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/>.</summary>
    static bool Within<TOptions>(string key, string name, double value, string text, List<string> problems)
    {
        var property = typeof(TOptions).GetProperty(name)!;
        var (minimum, maximum) = AllowedValues.RangeOf(property);

        // NaN compares false with every bound, so it must be refused on its own (as must infinities).
        if (double.IsFinite(value) && value >= minimum && value <= maximum)
        {
            return true;
        }

        problems.Add($"{key}:{name}: '{text}' is not allowed; use {AllowedValues.Describe(property)}.");
        return false;
    }

    /// <summary>The binder takes only names (<see cref="NamedEnumConverter{T}"/>); options built in code are checked too.</summary>
    static T Named<T>(string key, string name, T? value, T fallback, List<string> problems)
        where T : struct, Enum
    {
        if (value is not { } named)
        {
            return fallback;
        }

        if (!Enum.IsDefined(named))
        {
            problems.Add($"{key}:{name}: '{named}' is not allowed; use {AllowedValues.Describe(typeof(T))}.");
            return fallback;
        }

        return named;
    }

    static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();
}

/// <summary>The definitions read, or the problems that stop them from being used (then no definition is returned).</summary>
public sealed record PipelineReadResult(IReadOnlyList<PipelineDefinition> Definitions, IReadOnlyList<string> Problems);
