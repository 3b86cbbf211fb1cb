using Orchestrator.Activities.Runs;
using Orchestrator.Storage.Listings;

namespace Orchestrator.Tests.Runs;

/// <summary>A cursor a client holds keeps paging across releases: the format is fixed, whatever computes it.</summary>
public sealed class ListingCursorTests
{
    // Written by the format's definition outside .NET (Python's hashlib and base64): base64 of
    // "{sha256(payload)[:16 hex]}|{payload}", payload "2|{sha256(filters)[:16 hex]}|{ticks}|{id}".
    const string Issued = "ZmVkYThlZDFhNGVjMzliM3wyfDliNzgyYzFlM2I1MjMwNmV8NjM5MDAzNDU2MDAwMDAwMDAwfGRhdGEtcHJlcGFyYXRpb25AMjAyNjEyMDFUMTIwMFo=";
    const string Filters = "runs|data-preparation|Failed||638999999999999999";
    static readonly ListingPosition Position = new(new DateTime(639003456000000000, DateTimeKind.Utc), "data-preparation@20261201T1200Z");

    [Fact]
    public void A_cursor_is_written_and_read_in_the_version_2_format()
    {
        Assert.Equal(Issued, ListingCursor.Encode(Position, Filters));
        Assert.Equal(Position, ListingCursor.Decode(Issued, Filters));
        var other = Assert.Throws<RunRequestException>(() => ListingCursor.Decode(Issued, Filters + "0"));
        Assert.Contains("other filters", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_longer_than_the_stack_buffer_hash_the_same_way()
    {
        // The same definition over a 600-character pipeline name with a two-byte character in it.
        const string issued = "YTMzMGZkYTQzOWQ2N2E1OXwyfGM5OWExOTQ4YTkxNGZiMjN8NjM5MDAzNDU2MDAwMDAwMDAwfGRhdGEtcHJlcGFyYXRpb25AMjAyNjEyMDFUMTIwMFo=";
        var longFilters = $"runs|{new string('p', 600)}é|||";
        Assert.Equal(issued, ListingCursor.Encode(Position, longFilters));
        Assert.Equal(Position, ListingCursor.Decode(issued, longFilters));
    }
}
