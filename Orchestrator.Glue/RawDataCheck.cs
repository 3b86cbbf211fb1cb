namespace Orchestrator.Glue;

/// <summary>
/// Whether an entity's raw data holds anything its job has not yet processed, and the evidence: the newest raw
/// partition seen (among the new ones when there are any), the new files and bytes where the backend can tell (null
/// where it cannot), and <see cref="Basis"/>, a sentence saying what was looked at. Recorded on the job step.
/// </summary>
public sealed record RawDataCheck(bool HasNewData, string? NewestPartition, int? NewFiles, long? NewBytes, string Basis);
