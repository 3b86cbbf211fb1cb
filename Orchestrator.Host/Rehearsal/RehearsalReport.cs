namespace Orchestrator.Host.Rehearsal;

/// <summary>One checked property of the rehearsal: its name, whether it held, and the evidence.</summary>
public sealed record RehearsalInvariant(string Name, bool Passed, string Detail)
{
    public const string Terminal = "every run reached a terminal state";
    public const string NoDuplicateStarts = "zero duplicate Glue starts per attempt marker";
    public const string Rows = "clean rows equal raw rows per entity";
}

public sealed record RehearsalRun(int Number, string RunId, string Status, TimeSpan Duration, IReadOnlyList<SoakStep> Steps);

/// <summary>One SIGKILL: during which run, how long after the run started, and how long the new host took to listen.</summary>
public sealed record RehearsalKill(int Number, int Run, TimeSpan After, TimeSpan Restart);

/// <summary>
/// What happened on the way: Glue calls by operation and faults injected by kind (from the fault journal), job
/// and crawler attempts with their retries and interruptions (from the runs), StartJobRun calls refused, and how
/// many ambiguous starts were adopted by their marker afterwards.
/// </summary>
public sealed record RehearsalCounts(
    IReadOnlyDictionary<string, int> GlueCalls,
    IReadOnlyDictionary<string, int> Faults,
    int Attempts,
    int Retries,
    int Interrupted,
    int StartsRefused,
    int AmbiguousStarts,
    int AmbiguousStartsAdopted);

public sealed record RehearsalReport(
    string Pipeline,
    string WorkDirectory,
    IReadOnlyList<RehearsalRun> Runs,
    IReadOnlyList<RehearsalKill> Kills,
    int CrashesNotPlaced,
    IReadOnlyList<RehearsalInvariant> Invariants,
    RehearsalCounts Counts,
    TimeSpan Duration)
{
    public bool Passed => Invariants.All(i => i.Passed);

    public RehearsalInvariant Invariant(string name) => Invariants.Single(i => i.Name == name);
}
