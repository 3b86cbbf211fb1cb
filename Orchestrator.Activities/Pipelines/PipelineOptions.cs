namespace Orchestrator.Activities.Pipelines;

/// <summary>
/// One pipeline as written under <c>Orchestrator:Pipelines:&lt;name&gt;</c>. Values stay text here so that every
/// mistake in the file can be reported at once; <see cref="PipelineDefinitionReader"/> turns them into a
/// <see cref="PipelineDefinition"/>.
/// </summary>
public sealed class PipelineOptions
{
    public string? Schedule { get; set; }

    public string? TimeZone { get; set; }

    public string? Overlap { get; set; }

    public string? RunOnStartup { get; set; }

    public string? RawCrawler { get; set; }

    public string? CleanCrawler { get; set; }

    public string? CleanCrawlerWhen { get; set; }

    public string? MaxParallelJobs { get; set; }

    public RetryOptions Retry { get; set; } = new();

    /// <summary>Overrides <see cref="Retry"/> for the raw and clean crawler steps.</summary>
    public RetryOptions? CrawlerRetry { get; set; }

    public PollOptions Poll { get; set; } = new();

    public string? JobTimeout { get; set; }

    public string? CrawlerTimeout { get; set; }

    public string? RunDeadline { get; set; }

    public Dictionary<string, EntityOptions> Entities { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>An entity's Glue job; Retry, JobTimeout and Arguments override the pipeline's.</summary>
public sealed class EntityOptions
{
    public string? Job { get; set; }

    public Dictionary<string, string> Arguments { get; set; } = new(StringComparer.Ordinal);

    public RetryOptions? Retry { get; set; }

    public string? JobTimeout { get; set; }
}

/// <summary>Step Functions-style retry of failed job runs and crawls.</summary>
public sealed class RetryOptions
{
    public string? MaxAttempts { get; set; }

    public string? FirstDelay { get; set; }

    public string? BackoffCoefficient { get; set; }

    public string? MaxDelay { get; set; }

    public string? Jitter { get; set; }

    /// <summary>Error classes retried (Glue job states such as FAILED, or Glue error codes); empty means the defaults.</summary>
    public List<string> RetryOn { get; set; } = [];

    public List<string> NeverRetryOn { get; set; } = [];

    /// <summary>Regular expressions over the error message that make an error retryable.</summary>
    public List<string> RetryOnMessages { get; set; } = [];

    public List<string> NeverRetryOnMessages { get; set; } = [];

    /// <summary>Attempts interrupted by the host going away that are tried again, outside MaxAttempts (default 10).</summary>
    public string? MaxInterruptedAttempts { get; set; }
}

/// <summary>How often a running crawler or job is asked for its state: growing delays between bounds.</summary>
public sealed class PollOptions
{
    public string? FirstDelay { get; set; }

    public string? MaxDelay { get; set; }

    public string? BackoffCoefficient { get; set; }
}
