using System.Globalization;
using System.Text;
using Newtonsoft.Json;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Writes a run's <see cref="RunProgress"/> (its custom status, checkpointed after every turn) in the shape
/// DurableTask's JsonDataConverter reads, but without the type name it writes on every object and without null
/// properties, and serializing again only the steps that changed since the last turn. A run over 1,000 steps
/// otherwise serialized all of them (600 KB, two thirds of it type names) at each of its ~175 turns. Runs written
/// before keep reading as they are: the converter takes the type names when present and the declared types when not.
/// </summary>
sealed class RunProgressWriter
{
    static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
    {
        NullValueHandling = NullValueHandling.Ignore,
        TypeNameHandling = TypeNameHandling.None,
        Culture = CultureInfo.InvariantCulture,
    });

    /// <summary>Each step's JSON, kept while the step (an immutable record, replaced when it moves) is the same.</summary>
    readonly Dictionary<string, (StepOutcome Step, string Json)> steps = new(StringComparer.Ordinal);

    int lastLength = 1024;

    public string Write(IReadOnlyList<StepOutcome> outcomes, bool stopRequested, RunStatus? status, string? message, IReadOnlyList<EntityVisibility>? visibility)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var text = new StringBuilder(lastLength + 256);
        using (var json = new JsonTextWriter(new StringWriter(text, CultureInfo.InvariantCulture)))
        {
            json.WriteStartObject();
            json.WritePropertyName(nameof(RunProgress.Steps));
            json.WriteStartArray();
            foreach (var step in outcomes)
            {
                json.WriteRawValue(Step(step));
            }

            json.WriteEndArray();
            json.WritePropertyName(nameof(RunProgress.StopRequested));
            json.WriteValue(stopRequested);
            if (status is { } reported)
            {
                // A number, as the converter writes enums: the store's outcome index and RunStatuses.Outcomes read it so.
                json.WritePropertyName(nameof(RunProgress.Status));
                json.WriteValue((int)reported);
            }

            if (message is not null)
            {
                json.WritePropertyName(nameof(RunProgress.Message));
                json.WriteValue(message);
            }

            if (visibility is not null)
            {
                json.WritePropertyName(nameof(RunProgress.Visibility));
                Serializer.Serialize(json, visibility);
            }

            json.WriteEndObject();
        }

        lastLength = text.Length;
        return text.ToString();
    }

    string Step(StepOutcome step)
    {
        if (steps.TryGetValue(step.Id, out var known) && ReferenceEquals(known.Step, step))
        {
            return known.Json;
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        Serializer.Serialize(text, StepSummary.Of(step));
        var json = text.ToString();
        steps[step.Id] = (step, json);
        return json;
    }
}
