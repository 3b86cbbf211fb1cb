using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Api;

/// <summary>
/// A run page as the response body, written from JSON kept per run and per page. Each run's JSON is kept beside its
/// <see cref="RunSummary"/> (which <see cref="RunQueries"/> reuses for a finished run) with its digest; a page's runs
/// array is kept beside its runs list, which <see cref="RunListingCache"/> hands every viewer of a listing for its
/// reuse window and which a page with a cursor of its own (a future <c>until</c>) shares with the page it was cut from.
/// Both are kept weakly: once the cache drops the page or the run, the bytes go with it. A response is then the kept
/// runs written straight to the connection, their cursor after them, and an ETag hashed from the runs' digests and the
/// cursor (a few hundred bytes) instead of the 81 KB body: no JSON, no join and no hash of the body per request.
/// </summary>
public sealed class RunPageResponses(IOptions<JsonOptions> json)
{
    readonly ConditionalWeakTable<IReadOnlyList<RunSummary>, Lazy<RunsJson>> pages = [];

    readonly ConditionalWeakTable<RunSummary, RunJson> runs = [];

    readonly JsonSerializerOptions options = json.Value.SerializerOptions;

    readonly JsonEncodedText cursorName = JsonEncodedText.Encode(Name(nameof(RunPage.NextCursor), json.Value.SerializerOptions), json.Value.SerializerOptions.Encoder);

    /// <summary>
    /// The page with its ETag; <c>no-cache</c> lets a browser keep it but makes it ask again each time (with
    /// If-None-Match, answered 304 when unchanged), so a change made through the API is still seen on the next read.
    /// </summary>
    internal RunPageResult Of(RunPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        // The Lazy makes the viewers who arrive together as a page is read share one serialization.
        var array = pages.GetValue(page.Runs, r => new Lazy<RunsJson>(() => Write(r))).Value;
        // Every viewer of a shared page asks with the same cursor: its result is kept beside the runs.
        if (array.Last is { } last && string.Equals(last.Cursor, page.NextCursor, StringComparison.Ordinal))
        {
            return last;
        }

        var tail = Tail(page.NextCursor);
        Span<byte> identity = stackalloc byte[RunsJson.DigestLength + 256];
        // The ETag covers exactly what the body is made of: the runs (by their bytes' digest) and the cursor.
        var tag = tail.Length <= 256
            ? Digest(identity[..(RunsJson.DigestLength + tail.Length)], array.Digest, tail)
            : Digest(new byte[RunsJson.DigestLength + tail.Length], array.Digest, tail);
        return array.Last = new RunPageResult(array, page.NextCursor, tail, $"\"{tag}\"");
    }

    static string Digest(Span<byte> buffer, byte[] runsDigest, byte[] tail)
    {
        runsDigest.CopyTo(buffer);
        tail.CopyTo(buffer[runsDigest.Length..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary><c>{"runs":[…]</c>: every run's kept JSON, and the digest of their digests.</summary>
    RunsJson Write(IReadOnlyList<RunSummary> list)
    {
        var head = new ArrayBufferWriter<byte>(32);
        using (var writer = Writer(head, options))
        {
            writer.WriteStartObject();
            writer.WriteStartArray(Name(nameof(RunPage.Runs), options));
            writer.Flush();
        }

        var items = new byte[list.Count][];
        var digests = new byte[list.Count * RunJson.DigestLength];
        for (var i = 0; i < list.Count; i++)
        {
            var run = runs.GetValue(list[i], r => RunJson.Of(JsonSerializer.SerializeToUtf8Bytes(r, options)));
            items[i] = run.Utf8;
            run.Digest.CopyTo(digests, i * RunJson.DigestLength);
        }

        return new RunsJson(head.WrittenSpan.ToArray(), items, SHA256.HashData(digests));
    }

    /// <summary>What follows the runs array: <c>],"nextCursor":"…"}</c>, or <c>]}</c> where a null cursor is not written.</summary>
    byte[] Tail(string? cursor)
    {
        var written = new ArrayBufferWriter<byte>(cursor is null ? 16 : cursor.Length + 32);
        using (var writer = Writer(written, options))
        {
            // A whole object holding only the cursor, so the writer escapes its name and value as it would in the page.
            writer.WriteStartObject();
            if (cursor is not null)
            {
                writer.WriteString(cursorName, cursor);
            }
            else if (options.DefaultIgnoreCondition is not (JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault))
            {
                writer.WriteNull(cursorName);
            }

            writer.WriteEndObject();
        }

        // "{}" becomes "]}", "{…}" becomes "],…}".
        var body = written.WrittenSpan[1..];
        var tail = new byte[body.Length + (body.Length > 1 ? 2 : 1)];
        tail[0] = (byte)']';
        if (body.Length > 1)
        {
            tail[1] = (byte)',';
        }

        body.CopyTo(tail.AsSpan(tail.Length - body.Length));
        return tail;
    }

    /// <summary>A compact writer (the API does not indent its JSON) with the API's encoder.</summary>
    static Utf8JsonWriter Writer(IBufferWriter<byte> buffer, JsonSerializerOptions options) =>
        new(buffer, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true });

    static string Name(string property, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;

    /// <summary>A run's JSON as the API writes it, and its digest (what a page's ETag is made of).</summary>
    sealed record RunJson(byte[] Utf8, byte[] Digest)
    {
        public const int DigestLength = 16;

        public static RunJson Of(byte[] utf8) => new(utf8, SHA256.HashData(utf8).AsSpan(0, DigestLength).ToArray());
    }
}

/// <summary>A page's runs array: its opening (<c>{"runs":[</c>), each run's JSON, and a digest of them all.</summary>
sealed record RunsJson(byte[] Head, byte[][] Runs, byte[] Digest)
{
    public const int DigestLength = SHA256.HashSizeInBytes;

    /// <summary>The last result written from these runs (a shared page's, asked for again by each of its viewers).</summary>
    public RunPageResult? Last { get; set; }
}
