namespace Orchestrator.Glue.Faults;

/// <summary>
/// Fault injection between the orchestrator and Glue, bound from <c>Orchestrator:Glue:Faults</c>, for staging and
/// <c>orchestrator rehearse</c>. Off unless <see cref="Enabled"/> is set; each probability is the share of calls
/// that get the fault, drawn from <see cref="Seed"/> and the call, so the same seed injects the same faults.
/// </summary>
public sealed record GlueFaultOptions
{
    public const string SectionPath = "Orchestrator:Glue:Faults";

    /// <summary>Whether the faults are injected at all; the probabilities below are ignored while false.</summary>
    public bool Enabled { get; init; }

    /// <summary>Calls refused with ThrottlingException (HTTP 400), before they reach Glue.</summary>
    public double Throttling { get; init; }

    /// <summary>Calls refused with InternalServiceException (HTTP 500), before they reach Glue.</summary>
    public double ServerErrors { get; init; }

    /// <summary>StartJobRun calls whose run is created but whose response is lost (InternalServiceException, 500).</summary>
    public double AmbiguousStarts { get; init; }

    /// <summary>Job runs that fail (FAILED, nothing written) instead of starting.</summary>
    public double JobFailures { get; init; }

    /// <summary>GetJobRun and GetCrawler calls answered only after <see cref="SlowPollDelay"/>.</summary>
    public double SlowPolls { get; init; }

    public TimeSpan SlowPollDelay { get; init; } = TimeSpan.FromSeconds(2);

    public int Seed { get; init; }

    /// <summary>A file to append one JSON line per Glue call to (what was called, which fault, which run it created).</summary>
    public string? JournalPath { get; init; }
}
