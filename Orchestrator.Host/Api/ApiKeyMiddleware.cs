using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orchestrator.Host.Api;

/// <summary>
/// Requires a configured key in <c>X-Api-Key</c> for <c>/api</c> when keys are listed: always for changes, for reads
/// when ProtectReads is set. It runs before the endpoint reads the body, so an anonymous caller learns nothing about
/// the request's shape. Keys are compared as hashes in constant time: neither content nor length leaks.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    public const string Header = "X-Api-Key";

    readonly byte[][] keys = options.Value.Keys.Select(Hash).ToArray();

    public Task InvokeAsync(HttpContext context)
    {
        var changes = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method);
        if (keys.Length == 0 || (!changes && !options.Value.ProtectReads))
        {
            return next(context);
        }

        var given = context.Request.Headers[Header].ToString();
        var hash = Hash(given);
        var valid = false;
        foreach (var key in keys)
        {
            valid |= CryptographicOperations.FixedTimeEquals(hash, key);
        }

        return valid
            ? next(context)
            : TypedResults.Problem(
                given.Length == 0 ? $"This endpoint needs an API key in the {Header} header." : $"The API key in {Header} is not valid.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(context);
    }

    static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
