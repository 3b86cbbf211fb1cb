namespace Orchestrator.Benchmarks.Peers;

/// <summary>The engine benchmark's two workloads, sized: (a) many short sequences, (b) one wide fan-out.</summary>
sealed record RaceWorkload(string Id, int Orchestrations, int ActivitiesEach)
{
    public const string SequencesId = "sequences";
    public const string FanOutId = "fan-out";

    public static IReadOnlyList<string> Ids { get; } = [SequencesId, FanOutId];

    public int Activities => Orchestrations * ActivitiesEach;

    public string Title => Id == SequencesId
        ? $"(a) {Orchestrations:N0} orchestrations x {ActivitiesEach} sequential no-op activities"
        : $"(b) one orchestration fanning out to {ActivitiesEach:N0} no-op activities";

    public static RaceWorkload Sequences(int orchestrations, int sequenceLength) => new(SequencesId, orchestrations, sequenceLength);

    public static RaceWorkload FanOut(int width) => new(FanOutId, 1, width);

    /// <summary>Small runs of both shapes, not measured: JIT, connection pools and the store's first pages.</summary>
    public static IReadOnlyList<RaceWorkload> WarmUp { get; } = [Sequences(20, 5), FanOut(100)];
}
