using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orchestrator.Host.Api;

/// <summary>
/// Requires a configured key in <c>X-Api-Key</c> when keys are listed: always for changes, for reads when
/// ProtectReads is set. Keys are compared as hashes in constant time, so neither content nor length leaks.
/// </summary>
public sealed class ApiKeyFilter(IOptions<ApiOptions> options, bool mutating) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    readonly byte[][] keys = options.Value.Keys.Select(Hash).ToArray();

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (keys.Length == 0 || (!mutating && !options.Value.ProtectReads))
        {
            return next(context);
        }

        var given = context.HttpContext.Request.Headers[Header].ToString();
        var hash = Hash(given);
        var valid = false;
        foreach (var key in keys)
        {
            valid |= CryptographicOperations.FixedTimeEquals(hash, key);
        }

        return valid
            ? next(context)
            : ValueTask.FromResult<object?>(TypedResults.Problem(
                given.Length == 0 ? $"This endpoint needs an API key in the {Header} header." : $"The API key in {Header} is not valid.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized"));
    }

    static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

public static class ApiKeyFilterExtensions
{
    public static TBuilder RequireApiKeyForChanges<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyFilter(context.ApplicationServices.GetRequiredService<IOptions<ApiOptions>>(), mutating: true);
            return invocation => filter.InvokeAsync(invocation, next);
        });

    public static TBuilder RequireApiKeyForReads<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyFilter(context.ApplicationServices.GetRequiredService<IOptions<ApiOptions>>(), mutating: false);
            return invocation => filter.InvokeAsync(invocation, next);
        });
}
