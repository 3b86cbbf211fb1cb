using System.Globalization;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Api;

/// <summary>The checks every paged listing makes of its query string, with the refusals they share.</summary>
public static class QueryParameters
{
    /// <summary>Refuses a parameter given more than once (which value would count is not obvious).</summary>
    public static void RefuseRepeated(HttpRequest request)
    {
        if (request.Query.FirstOrDefault(q => q.Value.Count > 1) is { Key: { } repeated } given)
        {
            throw Invalid(repeated, $"The query parameter '{repeated}' is given {given.Value.Count} times; give it once.");
        }
    }

    /// <summary>The page size: a whole number from 1 to <paramref name="max"/>, or <paramref name="fallback"/> when not given.</summary>
    public static int Limit(string? limit, int fallback, int max) =>
        limit is null ? fallback
        : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 && size <= max ? size
        : throw Invalid(nameof(limit), $"limit '{limit}' is not allowed; use a whole number from 1 to {max} (default {fallback}).");

    public static RunRequestException Invalid(string parameter, string detail) => new(RunProblem.Invalid, detail, parameter);
}
