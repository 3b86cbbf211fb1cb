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
