using System.Globalization;
using System.Text;

namespace Orchestrator.Storage.Listings;

/// <summary>
/// The last item of a page in a newest-first listing ordered by (creation time, id): the next page starts strictly
/// after it. Every newest-first listing pages on it: the stores' continuation tokens (<see cref="ToToken"/>) and the
/// API's filter-bound cursors.
/// </summary>
public readonly record struct ListingPosition(DateTime CreatedAt, string Id)
{
    /// <summary>Whether an item created at <paramref name="createdAt"/> with <paramref name="id"/> comes after this position.</summary>
    public bool Precedes(DateTime createdAt, string id) =>
        createdAt < CreatedAt || (createdAt == CreatedAt && string.CompareOrdinal(id, Id) < 0);

    /// <summary>An opaque continuation token for DurableTask's <c>OrchestrationQuery</c>.</summary>
    public string ToToken() =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{Id}"));

    /// <summary>The position a token continues after, or null without one; refuses a token that <see cref="ToToken"/> did not write.</summary>
    public static ListingPosition? FromToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var buffer = new byte[token.Length];
        var parts = Convert.TryFromBase64String(token, buffer, out var length) ? Encoding.UTF8.GetString(buffer, 0, length).Split('|', 2) : [];
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks
            ? new ListingPosition(new DateTime(ticks, DateTimeKind.Utc), parts[1])
            : throw new ArgumentException("The continuation token is not one this store issued.", nameof(token));
    }
}
