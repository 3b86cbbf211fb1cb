using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Reads a run's <see cref="RunProgress"/> (its custom status) with System.Text.Json for listings: DurableTask's
/// Newtonsoft converter, with its type-name handling, was 43–59 % of the host's CPU on a page of 50 runs. Both stored
/// shapes read alike: the compact one <see cref="RunProgressWriter"/> writes and the earlier one, whose
/// <c>$type</c> properties are simply not properties of the records. Enums are read as the numbers the converter
/// writes, or as names.
/// </summary>
static class RunProgressReader
{
    static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// The progress in <paramref name="json"/>, or false when System.Text.Json cannot read it (then the caller reads it
    /// with DurableTask's converter, which is more lenient and reports what is wrong).
    /// </summary>
    public static bool TryRead(string json, out RunProgress? progress)
    {
        try
        {
            progress = JsonSerializer.Deserialize<RunProgress>(json, Options);
            return progress is not null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            progress = null;
            return false;
        }
    }
}
