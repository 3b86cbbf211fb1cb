using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orchestrator.Storage.Listings;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// The cursor codec of every listing the API pages newest first by (creation time, id) (a <see cref="ListingPosition"/>,
/// whose plain token the stores use among themselves). A cursor carries its format
/// version, the position, a hash of the filters that produced it and a checksum, so a cursor from another filter, an
/// older version or an edited one is refused with a 400 that says which and why, instead of silently paging the wrong
/// listing. The checksum guards against accidents, not forgery: a forged cursor could only page a listing its
/// holder can already read.
/// </summary>
public static class ListingCursor
{
    /// <summary>The format written now. Version 1 (unversioned <c>ticks|id</c>) predates the filter binding.</summary>
    public const int Version = 2;

    /// <summary>The query parameter a cursor travels in, named in every refusal.</summary>
    public const string Parameter = "cursor";

    const string StartAgain = "start again without it.";

    public static string Encode(ListingPosition after, string filterKey) =>
        EncodeFields(filterKey, after.CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture), after.Id);

    /// <summary>The position a cursor continues after, or null without one; refuses cursors this listing did not issue.</summary>
    public static ListingPosition? Decode(string? text, string filterKey)
    {
        if (DecodeFields(text, filterKey, 2, Parameter) is not [var tickText, var id])
        {
            return null;
        }

        if (!long.TryParse(tickText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks)
        {
            throw Refused($"The cursor is not one this API returned; {StartAgain}", Parameter);
        }

        return new ListingPosition(new DateTime(ticks, DateTimeKind.Utc), id);
    }

    /// <summary>
    /// A cursor over any position written as <paramref name="fields"/> (the last may contain '|'), bound to the
    /// filters of <paramref name="filterKey"/>: the one format every listing's cursor shares.
    /// </summary>
    public static string EncodeFields(string filterKey, params string[] fields)
    {
        var payload = string.Join('|', [Version.ToString(CultureInfo.InvariantCulture), Hash(filterKey), .. fields]);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Hash(payload)}|{payload}"));
    }

    /// <summary>
    /// The <paramref name="count"/> fields a cursor of <see cref="EncodeFields"/> carries, or null without one; refuses
    /// (400 naming <paramref name="parameter"/>) a cursor that is malformed, altered, of another version or of other filters.
    /// </summary>
    public static string[]? DecodeFields(string? text, string filterKey, int count, string parameter)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var buffer = new byte[text.Length];
        string decoded;
        try
        {
            decoded = Convert.TryFromBase64String(text, buffer, out var length)
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length)
                : throw Refused($"The cursor is not one this API returned; {StartAgain}", parameter);
        }
        catch (DecoderFallbackException)
        {
            throw Refused($"The cursor is not one this API returned; {StartAgain}", parameter);
        }

        var parts = decoded.Split('|', 3 + count);
        if (parameter == Parameter && parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw Refused($"The cursor is of version 1, from before this API bound cursors to their filters; this API reads version {Version}: {StartAgain}", parameter);
        }

        if (parts.Length != 3 + count || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw Refused($"The cursor is not one this API returned; {StartAgain}", parameter);
        }

        if (version != Version)
        {
            throw Refused($"The cursor is of version {version}; this API reads version {Version}: {StartAgain}", parameter);
        }

        if (parts[0] != Hash(decoded[(parts[0].Length + 1)..]))
        {
            throw Refused($"The cursor was altered (its checksum does not match its content); use the nextCursor exactly as returned, or {StartAgain}", parameter);
        }

        if (parts[2] != Hash(filterKey))
        {
            throw Refused($"The cursor belongs to a listing with other filters: give the same filters as the request that returned it, or {StartAgain}", parameter);
        }

        return parts[3..];
    }

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);

    static RunRequestException Refused(string detail, string parameter) => new(RunProblem.Invalid, detail, parameter);
}
