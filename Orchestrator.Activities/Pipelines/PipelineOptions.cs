using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// One pipeline as written under <c>Orchestrator:Pipelines:&lt;name&gt;</c>, bound by the configuration binder. A
/// setting left out is null, so it takes the default or the setting it overrides; <see cref="PipelineDefinitionReader"/>
/// checks the values (ranges in <see cref="RangeAttribute"/>s, read by <see cref="AllowedValues"/>) and turns them
/// into a <see cref="PipelineDefinition"/>.
/// </summary>
public sealed class PipelineOptions
{
    public string? Schedule { get; set; }

    public string? TimeZone { get; set; }

    public OverlapPolicy? Overlap { get; set; }

    public bool? RunOnStartup { get; set; }

    public string? RawCrawler { get; set; }

    public string? CleanCrawler { get; set; }

    public CleanCrawlerCondition? CleanCrawlerWhen { get; set; }

    /// <summary>When clean data becomes visible: one clean crawl after all entities, or one per entity as it succeeds.</summary>
    public CleanCrawlMode? CleanCrawl { get; set; }

    /// <summary>How long after its slot an entity's clean partitions may take to be catalogued before it is late.</summary>
    public Duration? VisibilitySla { get; set; }

    /// <summary>
    /// Before starting an entity's job, look for raw data it has not processed; with none, the step ends Skipped
    /// (no new data) without a Glue run. Default off; an entity's own setting wins.
    /// </summary>
    public bool? SkipWhenNoNewData { get; set; }

    [Range(1, 10_000)]
    public int? MaxParallelJobs { get; set; }

    public RetryOptions Retry { get; set; } = new();

    /// <summary>Overrides <see cref="Retry"/> for the raw and clean crawler steps.</summary>
    public RetryOptions? CrawlerRetry { get; set; }

    public PollOptions Poll { get; set; } = new();

    public Duration? JobTimeout { get; set; }

    public Duration? CrawlerTimeout { get; set; }

    public Duration? RunDeadline { get; set; }

    public Dictionary<string, EntityOptions> Entities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The Glue capacity the pipeline may use per day, and what happens past it; unset: no budget.</summary>
    public BudgetOptions? Budget { get; set; }
}

/// <summary>A pipeline's daily budget in DPU-hours (job runs and crawls together).</summary>
public sealed class BudgetOptions
{
    [Range(0.01, 1_000_000d)]
    public double? DailyDpuHours { get; set; }

    /// <summary>Past the budget: Alert only flags (default), SkipScheduled also skips scheduled slots.</summary>
    public BudgetAction? Action { get; set; }
}

/// <summary>An entity's Glue job; Retry, JobTimeout and Arguments override the pipeline's.</summary>
public sealed class EntityOptions
{
    public string? Job { get; set; }

    public Dictionary<string, string> Arguments { get; set; } = new(StringComparer.Ordinal);

    public RetryOptions? Retry { get; set; }

    public Duration? JobTimeout { get; set; }

    /// <summary>The crawler that catalogs this entity's clean table as soon as its job succeeds (CleanCrawl: PerEntity).</summary>
    public string? CleanCrawler { get; set; }

    /// <summary>Overrides the pipeline's SkipWhenNoNewData for this entity.</summary>
    public bool? SkipWhenNoNewData { get; set; }
}

/// <summary>Step Functions-style retry of failed job runs and crawls.</summary>
public sealed class RetryOptions
{
    [Range(1, 100)]
    public int? MaxAttempts { get; set; }

    public Duration? FirstDelay { get; set; }

    [Range(1d, 100d)]
    [Description("1 keeps the delay constant")]
    public double? BackoffCoefficient { get; set; }

    public Duration? MaxDelay { get; set; }

    public bool? Jitter { get; set; }

    /// <summary>Error classes retried (Glue job states such as FAILED, or Glue error codes); empty means the defaults.</summary>
    public List<string> RetryOn { get; set; } = [];

    public List<string> NeverRetryOn { get; set; } = [];

    /// <summary>Regular expressions over the error message that make an error retryable.</summary>
    public List<string> RetryOnMessages { get; set; } = [];

    public List<string> NeverRetryOnMessages { get; set; } = [];

    /// <summary>Attempts interrupted by the host going away that are tried again, outside MaxAttempts (default 10).</summary>
    [Range(0, 1000)]
    public int? MaxInterruptedAttempts { get; set; }
}

/// <summary>How often a running crawler or job is asked for its state: growing delays between bounds.</summary>
public sealed class PollOptions
{
    public Duration? FirstDelay { get; set; }

    public Duration? MaxDelay { get; set; }

    [Range(1d, 100d)]
    [Description("1 keeps the delay constant")]
    public double? BackoffCoefficient { get; set; }
}
