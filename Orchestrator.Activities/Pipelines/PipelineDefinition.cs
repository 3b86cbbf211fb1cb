using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// A validated pipeline. A run carries a copy in its input, so a run finishes with the definition it started
/// with; <see cref="Hash"/> shows when the configuration changed between runs.
/// </summary>
public sealed record PipelineDefinition(
    string Name,
    PipelineSchedule? Schedule,
    OverlapPolicy Overlap,
    bool RunOnStartup,
    string? RawCrawler,
    string? CleanCrawler,
    CleanCrawlerCondition CleanCrawlerWhen,
    int MaxParallelJobs,
    PollPolicy Poll,
    TimeSpan CrawlerTimeout,
    TimeSpan RunDeadline,
    IReadOnlyList<EntityDefinition> Entities,
    RetryPolicy? CrawlerRetry = null,
    [property: JsonProperty(DefaultValueHandling = DefaultValueHandling.Ignore)] CleanCrawlMode CleanCrawl = CleanCrawlMode.AfterAll,
    [property: JsonProperty(DefaultValueHandling = DefaultValueHandling.Ignore)] TimeSpan? VisibilitySla = null,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] PipelineBudget? Budget = null)
{
    /// <summary>How failed crawls are retried: the pipeline's Retry, or its CrawlerRetry override.</summary>
    [JsonIgnore]
    [System.Text.Json.Serialization.JsonIgnore]
    public RetryPolicy CrawlerRetryPolicy => CrawlerRetry ?? RetryPolicy.Default;

    /// <summary>A short fingerprint of everything that shapes a run.</summary>
    [JsonIgnore]
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(this))))[..12].ToLowerInvariant();

    public EntityDefinition? FindEntity(string name) =>
        Entities.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// The DPU-hours a pipeline may use per day and what happens past them. Unset, it stays out of the stored definition
/// (and so out of <see cref="PipelineDefinition.Hash"/>).
/// </summary>
public sealed record PipelineBudget(double DailyDpuHours, BudgetAction Action);

/// <summary>What a pipeline past its daily budget does; manual runs always start (with a warning).</summary>
[System.ComponentModel.TypeConverter(typeof(NamedEnumConverter<BudgetAction>))]
public enum BudgetAction
{
    /// <summary>Scheduled runs still start; the pipeline is flagged, logged, counted and notified.</summary>
    Alert,

    /// <summary>Scheduled slots are skipped (recorded and counted like overlap skips) until the next day.</summary>
    SkipScheduled,
}

/// <summary>A cron expression (Cronos syntax, five fields) evaluated in a time zone.</summary>
public sealed record PipelineSchedule(string Cron, string TimeZone);

/// <summary>
/// One entity's job: the Glue job name, its arguments, and the retry and timeout that apply to it.
/// <see cref="SkipWhenNoNewData"/> (the pipeline's setting, or the entity's own) stays out of the stored definition when
/// off, so definitions that do not use it keep their hash.
/// </summary>
public sealed record EntityDefinition(
    string Name,
    string Job,
    IReadOnlyDictionary<string, string> Arguments,
    RetryPolicy Retry,
    TimeSpan JobTimeout,
    [property: JsonProperty(DefaultValueHandling = DefaultValueHandling.Ignore)] string? CleanCrawler = null,
    [property: JsonProperty(DefaultValueHandling = DefaultValueHandling.Ignore)] bool SkipWhenNoNewData = false);

/// <summary>How often a running crawler or job is polled: the delay grows by the coefficient up to the maximum.</summary>
public sealed record PollPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay, double BackoffCoefficient)
{
    public TimeSpan DelayAfter(int polls) =>
        TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, FirstDelay.Ticks * Math.Pow(BackoffCoefficient, Math.Max(0, polls))));
}

/// <summary>What a due schedule slot does while a run of the pipeline is still active.</summary>
[System.ComponentModel.TypeConverter(typeof(NamedEnumConverter<OverlapPolicy>))]
public enum OverlapPolicy
{
    /// <summary>The slot is skipped (logged and counted).</summary>
    Skip,

    /// <summary>The slot starts when the active run ends.</summary>
    Queue,

    /// <summary>The slot starts at once, beside the active run.</summary>
    Allow,
}

/// <summary>
/// When clean data is catalogued. The settings left at their defaults stay out of the stored definition (and so out
/// of <see cref="PipelineDefinition.Hash"/>), so a pipeline that does not use lanes keeps its hash.
/// </summary>
[System.ComponentModel.TypeConverter(typeof(NamedEnumConverter<CleanCrawlMode>))]
public enum CleanCrawlMode
{
    /// <summary>One clean crawl after every entity job, as CleanCrawlerWhen allows: cheapest, but one slow entity delays all.</summary>
    AfterAll,

    /// <summary>Each entity's own clean crawler runs as soon as its job succeeds: one failing entity delays only itself.</summary>
    PerEntity,
}

/// <summary>When the clean crawler runs after the entity jobs.</summary>
[System.ComponentModel.TypeConverter(typeof(NamedEnumConverter<CleanCrawlerCondition>))]
public enum CleanCrawlerCondition
{
    AllSucceeded,
    AnySucceeded,
}
