using System.Diagnostics.Metrics;

namespace Orchestrator.Glue;

/// <summary>
/// Counts logical Glue API calls (one per operation call, however many HTTP attempts it took) on the
/// <see cref="OrchestratorMeter"/>, tagged with the operation and its outcome ("success" or the Glue error code).
/// </summary>
public sealed class GlueApiMetrics
{
    public const string CallsInstrumentName = "orchestrator.glue.api.calls";
    public const string SuccessOutcome = "success";

    readonly Counter<long> calls;

    public GlueApiMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(OrchestratorMeter.Name);
        calls = meter.CreateCounter<long>(
            CallsInstrumentName, unit: "{call}", description: "Glue API calls by operation and outcome.");
    }

    public void RecordCall(string operation, string outcome) =>
        calls.Add(1, new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("outcome", outcome));
}
