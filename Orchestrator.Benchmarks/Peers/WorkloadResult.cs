using System.Text.Json;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// What one worker process measured for one workload on one store: a line of JSON on its standard output. A workload
/// cut off by its bound says how far it got (<see cref="ActivitiesDone"/>, <see cref="OrchestrationsDone"/>).
/// </summary>
sealed record WorkloadResult(
    string Provider,
    string Workload,
    int Repetition,
    int ActivitiesExpected,
    int ActivitiesDone,
    int OrchestrationsExpected,
    int OrchestrationsDone,
    double Seconds,
    double? P50Milliseconds,
    double? P95Milliseconds,
    double? PeakRssMegabytes,
    string? Error)
{
    const string Prefix = "RESULT ";

    public bool Finished => Error is null && OrchestrationsDone == OrchestrationsExpected;

    public double ActivitiesPerSecond => Seconds > 0 ? ActivitiesDone / Seconds : 0;

    public string ToLine() => Prefix + JsonSerializer.Serialize(this);

    public static WorkloadResult? FromLine(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? JsonSerializer.Deserialize<WorkloadResult>(line[Prefix.Length..]) : null;
}
