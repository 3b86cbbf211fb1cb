using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// Every problem of the webhook subscriptions at once, each naming the setting, what is wrong and what is allowed.
/// <paramref name="pipelines"/>: the configured pipeline names, so a subscription's Pipelines filter cannot name one
/// that does not exist (it would silently never fire); null skips that check.
/// </summary>
public sealed partial class NotificationOptionsValidator(IReadOnlyCollection<string>? pipelines = null) : IValidateOptions<NotificationOptions>
{
    /// <summary>Secrets shorter than this are guessable; the same floor as API keys.</summary>
    public const int MinSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            var key = $"{NotificationOptions.Section}:Webhooks:{i}";
            var hookName = WebhookSubscriptions.NameOf(hook, i);
            if (!SafeName().IsMatch(hookName))
            {
                problems.Add($"{key}:Name: '{hookName}' is not allowed; use 1 to 64 letters, digits, '.', '_' or '-'.");
            }
            else if (!names.Add(hookName))
            {
                problems.Add($"{key}:Name: '{hookName}' names another webhook too; give each a different Name.");
            }

            if (UrlProblem(hook.Url) is { } urlProblem)
            {
                problems.Add($"{key}:Url: {urlProblem}");
            }

            if (hook.Events.Count == 0)
            {
                problems.Add($"{key}:Events: empty; list the events to send ({string.Join(", ", NotificationEvents.All)}, or * for all).");
            }

            foreach (var unknown in hook.Events.Where(e => !NotificationEvents.IsKnown(e.Trim().ToLowerInvariant())))
            {
                problems.Add($"{key}:Events: '{unknown}' is not an event; use {string.Join(", ", NotificationEvents.All)}, or * for all.");
            }

            foreach (var unknown in hook.Pipelines.Where(p => pipelines is not null && !pipelines.Contains(p.Trim(), StringComparer.OrdinalIgnoreCase)))
            {
                problems.Add($"{key}:Pipelines: '{unknown}' is not a configured pipeline; use {string.Join(", ", pipelines!.Order(StringComparer.Ordinal))}, or leave Pipelines empty for all.");
            }

            if (string.IsNullOrWhiteSpace(hook.Secret))
            {
                problems.Add($"{key}:Secret: empty; every webhook is signed, so give a secret of at least {MinSecretLength} characters (e.g. from the environment variable Orchestrator__Notifications__Webhooks__{i}__Secret).");
            }
            else if (hook.Secret.Length < MinSecretLength)
            {
                problems.Add($"{key}:Secret: {hook.Secret.Length} characters is too short; use at least {MinSecretLength}.");
            }
        }

        var delivery = options.Delivery;
        var section = $"{NotificationOptions.Section}:Delivery";
        if (delivery.MaxAttempts is < 1 or > 100)
        {
            problems.Add($"{section}:MaxAttempts: {delivery.MaxAttempts} is not allowed; use 1 to 100.");
        }

        if (delivery.FirstDelay <= TimeSpan.Zero || delivery.FirstDelay > TimeSpan.FromHours(1))
        {
            problems.Add($"{section}:FirstDelay: {delivery.FirstDelay} is not allowed; use more than 00:00:00, at most 01:00:00.");
        }

        if (delivery.MaxDelay < delivery.FirstDelay || delivery.MaxDelay > TimeSpan.FromDays(1))
        {
            problems.Add($"{section}:MaxDelay: {delivery.MaxDelay} is not allowed; use FirstDelay ({delivery.FirstDelay}) to 1.00:00:00.");
        }

        if (delivery.Timeout < TimeSpan.FromMilliseconds(100) || delivery.Timeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{section}:Timeout: {delivery.Timeout} is not allowed; use 00:00:00.1 to 00:05:00.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Why a webhook URL is refused, or null: https anywhere, http only to this machine, where nothing can read it on the way.</summary>
    internal static string? UrlProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "empty; give the https URL to POST events to.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return $"'{url}' is not an absolute http(s) URL; use https://host/path.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"'{uri.Scheme}://…@{uri.Authority}' carries credentials in the URL; put the receiver's credentials in the path or rely on the signature.";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            return $"'{url}' is http to {uri.Host}, which is not this machine: events and their signatures would travel unencrypted; use https (http is allowed only to localhost, 127.0.0.1 or ::1).";
        }

        return null;
    }

    static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeName();
}
