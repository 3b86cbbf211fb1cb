using System.Globalization;

namespace Orchestrator.Activities.Changes;

/// <summary>
/// How late a change to a partition is: the whole days from the partition's date to the UTC date of the run's slot
/// (<c>PipelineRunInput.ScheduledSlot ?? RequestedAt</c>). 0 is the slot's own day, 1 the day before, and so on: a
/// change is late when its partition's day had ended before the run's slot began. The partition's date is the value of
/// its first <c>key=value</c> segment that is a date (<c>yyyy-MM-dd</c>, optionally followed by a time, or
/// <c>yyyyMMdd</c>); a partition without one (<c>region=eu</c>) has no lateness (null).
/// </summary>
public static class PartitionLateness
{
    public static int? Days(string partition, DateTime slotUtc)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return DateOf(partition) is { } date ? DateOnly.FromDateTime(slotUtc).DayNumber - date.DayNumber : null;
    }

    public static DateOnly? DateOf(string partition)
    {
        foreach (var segment in partition.Split('/'))
        {
            var value = segment[(segment.IndexOf('=', StringComparison.Ordinal) + 1)..];
            if (value.Length >= 10 && DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                && (value.Length == 10 || value[10] is 'T' or ' '))
            {
                return date;
            }

            if (value.Length == 8 && DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            {
                return date;
            }
        }

        return null;
    }
}
