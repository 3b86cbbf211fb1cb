namespace Orchestrator.Activities.Runs;

/// <summary>A run in a list: enough for the runs table and the grid, read without inputs or outputs.</summary>
public sealed record RunSummary(
    string RunId,
    string Pipeline,
    RunKind Kind,
    RunStatus Status,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    DateTime? ScheduledSlot,
    string? OriginRunId,
    IReadOnlyList<string> FailedEntities,
    IReadOnlyList<StepSummary> Steps,
    bool PastDeadline,
    string? Message,
    IReadOnlyList<EntityVisibility>? Visibility = null)
{
    /// <summary>What the run's attempts are billed so far, added up from its steps.</summary>
    public Costs.CostTotal Cost => Costs.CostTotal.Sum(Steps.Select(s => s.Cost));
}

/// <summary>
/// A run with its input and every step's attempts (live from the steps while it runs). <see cref="Unreadable"/>
/// names each stored payload that could not be read (and why), so a damaged run still shows what is readable.
/// </summary>
public sealed record RunDetails(
    RunSummary Summary,
    PipelineRunInput? Input,
    IReadOnlyList<StepOutcome> Steps,
    string? DefinitionHash,
    string Backend,
    RunActions Actions,
    IReadOnlyList<string>? Unreadable = null);

/// <summary>Which operator actions apply to a run now.</summary>
public sealed record RunActions(bool CanReplay, bool CanRedrive, bool CanTerminate);

public sealed record RunPage(IReadOnlyList<RunSummary> Runs, string? NextCursor)
{
    /// <summary>Where the next page starts (the last instance the store returned), to bind a cursor to other filters.</summary>
    internal Storage.Listings.ListingPosition? Last { get; init; }

    /// <summary>
    /// The position of the first instance after the page (the store's next row), when there is one: whether a page
    /// cut from this one by a later <see cref="RunFilter.Since"/> has more after it.
    /// </summary>
    internal Storage.Listings.ListingPosition? Following { get; init; }
}

/// <summary>Run list filters; times are UTC, <see cref="Limit"/> is 1 to 500.</summary>
public sealed record RunFilter(string? Pipeline = null, RunStatus? Status = null, DateTime? Since = null, DateTime? Until = null, int Limit = 50, string? Cursor = null);

/// <summary>One event of a run's orchestration history.</summary>
public sealed record HistoryEntry(int EventId, string EventType, DateTime Timestamp, string? Name, string? Detail);

/// <summary>What an operator asks for when triggering a run.</summary>
public sealed record StartRunRequest(IReadOnlyList<string>? Entities = null, string? Reason = null);

/// <summary>Why a run request was refused: maps onto 400, 404 and 409.</summary>
public enum RunProblem
{
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>
/// A refused run request, with what was wrong in words an operator can act on, and the request
/// <see cref="Parameter"/> at fault when one is.
/// </summary>
public sealed class RunRequestException : Exception
{
    public RunRequestException(RunProblem problem, string message, string? parameter = null)
        : base(message)
    {
        Problem = problem;
        Parameter = parameter;
    }

    public RunRequestException()
        : this(RunProblem.Invalid, "The run request is not valid.")
    {
    }

    public RunRequestException(string message)
        : this(RunProblem.Invalid, message)
    {
    }

    public RunRequestException(string message, Exception innerException)
        : base(message, innerException) => Problem = RunProblem.Invalid;

    public RunProblem Problem { get; }

    public string? Parameter { get; }
}
