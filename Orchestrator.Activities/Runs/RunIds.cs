using System.Globalization;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Readable run ids: <c>{pipeline}@{slot:yyyyMMddTHHmmZ}</c> for scheduled runs (a slot can only ever start once,
/// whichever host or replica gets there first) and <c>{pipeline}@manual-{ulid}</c> otherwise. Steps run as
/// sub-orchestrations named <c>{runId}/{stepId}</c>.
/// </summary>
public static class RunIds
{
    const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string Scheduled(string pipeline, DateTime slotUtc) =>
        $"{pipeline}@{slotUtc.ToUniversalTime().ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>A manual, replay or redrive id; the ULID sorts by time and its random part comes from <paramref name="random"/>.</summary>
    public static string Unscheduled(string pipeline, string kind, DateTimeOffset now, Random random) =>
        $"{pipeline}@{kind}-{Ulid(now, random)}";

    public static string Step(string runId, string stepId) => $"{runId}/{stepId}";

    /// <summary>The instance that stops the Glue runs of a force-terminated run's steps (see <c>ForceStopOrchestration</c>).</summary>
    public static string ForceStop(string runId) => $"{runId}/force-stop";

    public static string PipelineOf(string runId)
    {
        var at = runId.IndexOf('@', StringComparison.Ordinal);
        return at > 0 ? runId[..at] : runId;
    }

    /// <summary>
    /// The run's slot read back from its id: a scheduled run's slot, else the time its ULID was made, which is when the
    /// run was requested (to the millisecond): <c>ScheduledSlot ?? RequestedAt</c>. Null for an id of neither form.
    /// </summary>
    public static DateTime? SlotOf(string runId)
    {
        var at = runId.IndexOf('@', StringComparison.Ordinal);
        var tail = at >= 0 ? runId[(at + 1)..] : string.Empty;
        if (DateTime.TryParseExact(tail, "yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var slot))
        {
            return slot;
        }

        var dash = tail.LastIndexOf('-');
        if (dash < 0 || tail.Length - dash - 1 != 26)
        {
            return null;
        }

        var time = 0L;
        foreach (var c in tail.AsSpan(dash + 1, 10))
        {
            var digit = Crockford.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }

            time = (time << 5) | (uint)digit;
        }

        return time <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(time).UtcDateTime : null;
    }

    /// <summary>True for run ids, false for the sub-orchestrations of their steps.</summary>
    public static bool IsRun(string instanceId) => instanceId.Contains('@', StringComparison.Ordinal) && !instanceId.Contains('/', StringComparison.Ordinal);

    static string Ulid(DateTimeOffset now, Random random)
    {
        Span<char> text = stackalloc char[26];
        var time = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            text[i] = Crockford[(int)(time & 31)];
            time >>= 5;
        }

        for (var i = 10; i < 26; i++)
        {
            text[i] = Crockford[random.Next(32)];
        }

        return new string(text).ToLowerInvariant();
    }
}
