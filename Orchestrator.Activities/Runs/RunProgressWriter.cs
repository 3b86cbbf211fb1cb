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

    /// <summary>What the steps' array opens with; <see cref="Tail"/> closes it.</summary>
    const string Head = "{\"" + nameof(RunProgress.Steps) + "\":[";

    /// <summary>
    /// The progress as one string built at its final length: a 1,000-step status is ~350 KB (700 KB of chars, on the
    /// large object heap), and a builder grown to it and then copied out allocated that twice per turn.
    /// </summary>
    public string Write(IReadOnlyList<StepOutcome> outcomes, bool stopRequested, RunStatus? status, string? message, IReadOnlyList<EntityVisibility>? visibility)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var parts = new string[outcomes.Count];
        var length = Head.Length + Math.Max(0, parts.Length - 1);
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Step(outcomes[i]);
            length += parts[i].Length;
        }

        var tail = Tail(stopRequested, status, message, visibility);
        return string.Create(length + tail.Length, (parts, tail), static (text, written) =>
        {
            Head.CopyTo(text);
            var at = Head.Length;
            for (var i = 0; i < written.parts.Length; i++)
            {
                if (i > 0)
                {
                    text[at++] = ',';
                }

                written.parts[i].CopyTo(text[at..]);
                at += written.parts[i].Length;
            }

            written.tail.CopyTo(text[at..]);
        });
    }

    /// <summary>The steps' array closed, then the run's other members and the object's end.</summary>
    static string Tail(bool stopRequested, RunStatus? status, string? message, IReadOnlyList<EntityVisibility>? visibility)
    {
        var text = new StringBuilder(64);
        using (var json = new JsonTextWriter(new StringWriter(text, CultureInfo.InvariantCulture)))
        {
            json.WriteStartObject();
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

        // These members follow the steps' array in the object Head opened: its "{" becomes "],".
        return string.Concat("],", text.ToString(1, text.Length - 1));
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
