using Microsoft.Extensions.Options;
using Orchestrator.Host.Api;

namespace Orchestrator.Host.Hosting;

/// <summary>Checks the host's own settings, naming each bad setting and what is allowed.</summary>
public sealed class HostOptionsValidator : IValidateOptions<OrchestratorOptions>, IValidateOptions<ApiOptions>, IValidateOptions<GlueSelection>
{
    public ValidateOptionsResult Validate(string? name, OrchestratorOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            problems.Add("Orchestrator:DataDirectory: empty; give a directory (default: data).");
        }

        if (options.Retention.Days is < 1 or > 36500)
        {
            problems.Add($"Orchestrator:Retention:Days: {options.Retention.Days} is not allowed; keep finished runs for 1 to 36500 days.");
        }

        if (options.Retention.Interval < TimeSpan.FromSeconds(1) || options.Retention.Interval > TimeSpan.FromDays(7))
        {
            problems.Add($"Orchestrator:Retention:Interval: {options.Retention.Interval} is not allowed; use 00:00:01 to 7.00:00:00.");
        }

        if (options.Changes.Retention < TimeSpan.FromHours(1) || options.Changes.Retention > TimeSpan.FromDays(36500))
        {
            problems.Add($"Orchestrator:Changes:Retention: {options.Changes.Retention} is not allowed; keep changes for 01:00:00 to 36500.00:00:00 (days.hours:minutes:seconds, e.g. 90.00:00:00).");
        }

        if (options.Worker.ShutdownGracePeriod < TimeSpan.Zero || options.Worker.ShutdownGracePeriod > TimeSpan.FromHours(1))
        {
            problems.Add($"Orchestrator:Worker:ShutdownGracePeriod: {options.Worker.ShutdownGracePeriod} is not allowed; use 00:00:00 to 01:00:00.");
        }

        return Result(problems);
    }

    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var problems = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            if (options.Keys[i] is not { Length: >= 16 })
            {
                problems.Add($"{ApiOptions.Section}:Keys:{i}: API keys must be at least 16 characters long.");
            }
        }

        if (options.ProtectReads && options.Keys.Count == 0)
        {
            problems.Add($"{ApiOptions.Section}:ProtectReads: true, but no Keys are listed, so nothing is protected; add a key under {ApiOptions.Section}:Keys.");
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 10 * 1024 * 1024)
        {
            problems.Add($"{ApiOptions.Section}:MaxRequestBodyBytes: {options.MaxRequestBodyBytes} is not allowed; use 1024 to 10485760.");
        }

        return Result(problems);
    }

    public ValidateOptionsResult Validate(string? name, GlueSelection options) =>
        string.Equals(options.Backend, GlueSelection.Local, StringComparison.OrdinalIgnoreCase) || string.Equals(options.Backend, GlueSelection.Aws, StringComparison.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{GlueSelection.Section}:Backend: '{options.Backend}' is not a Glue backend; use {GlueSelection.Local} or {GlueSelection.Aws}.");

    static ValidateOptionsResult Result(List<string> problems) =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
}

/// <summary><c>Orchestrator:Glue:Backend</c>: the embedded engine (Local, default) or AWS Glue (Aws).</summary>
public sealed class GlueSelection
{
    public const string Section = "Orchestrator:Glue";
    public const string Local = "Local";
    public const string Aws = "Aws";

    public string Backend { get; set; } = Local;
}
