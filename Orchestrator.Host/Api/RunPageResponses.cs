using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Api;

/// <summary>
/// A run page as the response body, written once per page. <see cref="RunListingCache"/> hands every viewer of a
/// listing the same <see cref="RunPage"/> for its reuse window, so the page's JSON is kept beside it (weakly: once the
/// cache drops the page, on a command or past its window, the bytes go with it) instead of 50 run summaries being
/// serialized for every request: at 200 clients that JSON was most of the host's time per shared page. Each run's
/// JSON is kept the same way beside its <see cref="RunSummary"/>, which <see cref="RunQueries"/> reuses for a finished
/// run, so a page of its own (another filter, another time range) is the runs' bytes joined, not 50 runs written. The
/// ETag is the bytes' hash, so a dashboard revalidating an unchanged listing gets 304 without a body even when the page
/// was read afresh from the store.
/// </summary>
public sealed class RunPageResponses(IOptions<JsonOptions> json)
{
    const string ContentType = "application/json; charset=utf-8";

    readonly ConditionalWeakTable<RunPage, Lazy<Body>> bodies = [];

    readonly ConditionalWeakTable<RunSummary, byte[]> runs = [];

    /// <summary>
    /// The page's JSON with its ETag; <c>no-cache</c> lets a browser keep it but makes it ask again each time (with
    /// If-None-Match, answered 304 when unchanged), so a change made through the API is still seen on the next read.
    /// </summary>
    public FileContentHttpResult Of(RunPage page, HttpResponse response)
    {
        // The Lazy makes the viewers who arrive together as a page is read share one serialization.
        var body = bodies.GetValue(page, p => new Lazy<Body>(() => Write(p))).Value;
        response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(body.Utf8, ContentType, entityTag: body.ETag);
    }

    Body Write(RunPage page)
    {
        var utf8 = Json(page);
        return new Body(utf8, new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(utf8).AsSpan(0, 16))}\""));
    }

    /// <summary>The page exactly as <see cref="JsonSerializer"/> writes it with the API's options, from each run's kept JSON.</summary>
    byte[] Json(RunPage page)
    {
        var options = json.Value.SerializerOptions;
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray(Name(nameof(RunPage.Runs), options));
            foreach (var run in page.Runs)
            {
                writer.WriteRawValue(runs.GetValue(run, r => JsonSerializer.SerializeToUtf8Bytes(r, options)), skipInputValidation: true);
            }

            writer.WriteEndArray();
            if (page.NextCursor is { } cursor)
            {
                writer.WriteString(Name(nameof(RunPage.NextCursor), options), cursor);
            }
            else if (options.DefaultIgnoreCondition is not (JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault))
            {
                writer.WriteNull(Name(nameof(RunPage.NextCursor), options));
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    static string Name(string property, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;

    sealed record Body(byte[] Utf8, EntityTagHeaderValue ETag);
}
