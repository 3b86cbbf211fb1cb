namespace Orchestrator.Host.Rehearsal;

/// <summary>
/// What <see cref="RunHistorySeeder"/> writes: <see cref="Count"/> runs, one per <see cref="Interval"/> back from
/// <see cref="Newest"/>; every <see cref="ManualEvery"/>th is a manual run and every <see cref="FailEvery"/>th fails
/// (0 turns either off). The same <see cref="RandomSeed"/> gives the same durations, rows and run ids.
/// </summary>
public sealed record RunHistorySeed(
    int Count,
    DateTime Newest,
    TimeSpan Interval,
    int FailEvery = 200,
    int ManualEvery = 40,
    int RandomSeed = 42);
