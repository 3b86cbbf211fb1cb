namespace Orchestrator.Host.Api;

/// <summary><c>Orchestrator:Api</c>: who may call the REST API.</summary>
public sealed class ApiOptions
{
    public const string Section = "Orchestrator:Api";

    /// <summary>When any are listed, mutating endpoints require one of them in <c>X-Api-Key</c>.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>Require a key for read endpoints too.</summary>
    public bool ProtectReads { get; set; }

    /// <summary>Allow listening on a non-loopback address with no keys (behind a trusted proxy, say).</summary>
    public bool AllowAnonymous { get; set; }

    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}
