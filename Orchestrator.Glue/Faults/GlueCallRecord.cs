using System.Text.Json.Serialization;

namespace Orchestrator.Glue.Faults;

/// <summary>
/// One Glue call as the fault decorator saw it: the operation, the crawler, job run or marker it concerned, its
/// outcome ("success" or the error code), the fault injected, and for StartJobRun the run it returned or created
/// (<see cref="Created"/>: a new Glue run, not an adopted one).
/// </summary>
public sealed record GlueCallRecord(
    DateTimeOffset At,
    string Operation,
    string Resource,
    string Outcome,
    string? Fault = null,
    string? Marker = null,
    string? RunId = null,
    bool Created = false);

[JsonSerializable(typeof(GlueCallRecord))]
sealed partial class GlueCallRecordJsonContext : JsonSerializerContext;
