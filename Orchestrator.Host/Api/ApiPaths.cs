namespace Orchestrator.Host.Api;

/// <summary>Where a run lives in the API. Run ids keep their '@' readable: it is allowed in a path segment.</summary>
public static class ApiPaths
{
    public static string Run(string runId) => $"/api/runs/{Uri.EscapeDataString(runId).Replace("%40", "@", StringComparison.Ordinal)}";
}
