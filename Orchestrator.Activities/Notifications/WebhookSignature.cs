using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Activities.Notifications;

/// <summary>
/// The signature every webhook body carries: <c>X-Orchestrator-Signature: sha256=&lt;hex&gt;</c>, the lower-case hex
/// HMAC-SHA256 of the exact body bytes keyed with the subscription's secret (UTF-8), as GitHub and Stripe-style
/// receivers check it. The event id in the body is the dedupe key; its time lets a receiver refuse stale replays.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Orchestrator-Signature";

    public static string Of(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
