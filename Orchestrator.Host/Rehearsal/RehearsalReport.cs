namespace Orchestrator.Host.Rehearsal;

/// <summary>The probabilities of the faults a rehearsal injects (see <c>Orchestrator:Glue:Faults</c>).</summary>
public sealed record RehearsalFaults(double Throttling, double ServerErrors, double AmbiguousStarts, double JobFailures, double SlowPolls);

/// <summary>
/// A rehearsal: <see cref="Runs"/> runs of <see cref="Pipeline"/> with <see cref="Faults"/>, <see cref="Crashes"/>
/// SIGKILLs of the host at seeded moments, everything under <see cref="WorkDirectory"/>, configured as
/// <see cref="ConfigFile"/> (null: the host's default file) but with its own store and lake.
/// </summary>
public sealed record RehearsalOptions(
    string Pipeline, int Runs, RehearsalFaults Faults, int Crashes, int Seed, string WorkDirectory, string? ConfigFile = null, int Rows = 300);

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

/// <summary>A rehearsal that cannot start as asked: an unknown pipeline, a configuration problem, data it cannot write.</summary>
public sealed class RehearsalInputException(string message) : Exception(message);
