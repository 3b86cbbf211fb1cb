namespace Orchestrator.Storage.Journals;

/// <summary>
/// Ordered, append-only, deduplicated journals in the durable store: each entry belongs to a stream, has a
/// sequence that grows in commit order, two indexed scopes and a correlation to filter by, a dedupe key unique
/// within its stream, and a JSON body the store does not read. Readers page after a sequence; an append of an entry
/// whose key the stream already holds is skipped, so work that runs twice never records twice.
/// </summary>
public interface IJournal
{
    /// <summary>Appends the entries in their order, skipping those whose (stream, dedupe key) is recorded; returns how many were new.</summary>
    Task<int> AppendAsync(IReadOnlyList<JournalAppend> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Entries after <see cref="JournalQuery.After"/>, in sequence order, at most <see cref="JournalQuery.Limit"/>. An entry
    /// whose sequence is at or below the last one a read returned is never committed later: resuming after it skips nothing.
    /// </summary>
    Task<JournalPage> ReadAsync(JournalQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes a stream's entries recorded before <paramref name="recordedBefore"/>; returns how many.</summary>
    Task<int> PurgeAsync(string stream, DateTime recordedBefore, CancellationToken cancellationToken);
}

/// <summary>An entry to append. <see cref="Scope"/> and <see cref="Subscope"/> (and <see cref="Correlation"/>) are what readers filter by.</summary>
public sealed record JournalAppend(
    string Stream, string DedupeKey, string? Scope, string? Subscope, string? Correlation, string Body, DateTime RecordedAt);

/// <summary>A recorded entry with its sequence.</summary>
public sealed record JournalEntry(
    long Sequence, string Stream, string DedupeKey, string? Scope, string? Subscope, string? Correlation, string Body, DateTime RecordedAt);

/// <summary>What to read: a stream after a sequence (0 for the start), optionally one scope, subscope or correlation.</summary>
public sealed record JournalQuery(string Stream, long After, int Limit)
{
    public const int MaxLimit = 1000;

    public string? Scope { get; init; }

    public string? Subscope { get; init; }

    public string? Correlation { get; init; }
}

/// <summary>A page of entries and whether more follow it.</summary>
public sealed record JournalPage(IReadOnlyList<JournalEntry> Entries, bool HasMore)
{
    /// <summary>Where the next read starts: the last entry's sequence, or <paramref name="after"/> when the page is empty.</summary>
    public long NextAfter(long after) => Entries.Count > 0 ? Entries[^1].Sequence : after;
}
