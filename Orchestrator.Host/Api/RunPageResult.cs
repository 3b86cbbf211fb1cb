using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace Orchestrator.Host.Api;

/// <summary>
/// A run page written straight to the connection from its kept parts (<see cref="RunPageResponses"/>): the runs
/// array's opening, each run's JSON with commas between, and the cursor's tail, without joining them into one body
/// first. Answers conditional requests as a file result does for an ETag without a date: 304 for a matching
/// If-None-Match, 412 for an If-Match that does not match.
/// </summary>
sealed class RunPageResult(RunsJson runs, string? cursor, byte[] tail, string entityTag) : IResult
{
    const string ContentType = "application/json; charset=utf-8";

    // Above Kestrel's 64 KB response buffer so a 50-run page (about 81 KB) goes out in one flush.
    const int FlushEvery = 256 * 1024;

    byte[]? whole;

    int writes;

    /// <summary>The page's cursor, written in its tail.</summary>
    public string? Cursor => cursor;

    /// <summary>The strong ETag, quoted.</summary>
    public string EntityTag => entityTag;

    /// <summary>The body's length in bytes.</summary>
    public long Length { get; } = runs.Head.Length + runs.Runs.Sum(r => (long)r.Length) + Math.Max(0, runs.Runs.Length - 1) + tail.Length;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (request, response) = (httpContext.Request, httpContext.Response);
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = entityTag;
        if (request.Headers.IfMatch.Count > 0 || request.Headers.IfNoneMatch.Count > 0)
        {
            var headers = request.GetTypedHeaders();
            var tag = new EntityTagHeaderValue(entityTag);
            if (headers.IfMatch is { Count: > 0 } ifMatch && !ifMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(tag, useStrongComparison: true)))
            {
                response.StatusCode = StatusCodes.Status412PreconditionFailed;
                return;
            }

            if (headers.IfNoneMatch is { Count: > 0 } ifNoneMatch && ifNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(tag, useStrongComparison: false)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = Length;
        var body = response.BodyWriter;
        // A result written more than once is a shared page's: its viewers then copy one joined body, not 100 parts.
        if (Interlocked.Increment(ref writes) > 1)
        {
            if (Volatile.Read(ref whole) is null)
            {
                Interlocked.CompareExchange(ref whole, Join(), null);
            }

            await body.WriteAsync(whole, httpContext.RequestAborted);
            return;
        }

        body.Write(runs.Head);
        for (var i = 0; i < runs.Runs.Length; i++)
        {
            if (i > 0)
            {
                body.Write(","u8);
            }

            body.Write(runs.Runs[i]);
            // A long page (up to 500 runs) goes out as it is written, not held whole in the connection's buffer.
            if (body.CanGetUnflushedBytes && body.UnflushedBytes >= FlushEvery)
            {
                await body.FlushAsync(httpContext.RequestAborted);
            }
        }

        body.Write(tail);
        await body.FlushAsync(httpContext.RequestAborted);
    }

    byte[] Join()
    {
        var joined = new byte[Length];
        var at = joined.AsSpan();
        runs.Head.CopyTo(at);
        at = at[runs.Head.Length..];
        for (var i = 0; i < runs.Runs.Length; i++)
        {
            if (i > 0)
            {
                at[0] = (byte)',';
                at = at[1..];
            }

            runs.Runs[i].CopyTo(at);
            at = at[runs.Runs[i].Length..];
        }

        tail.CopyTo(at);
        return joined;
    }
}
