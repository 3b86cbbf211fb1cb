using Microsoft.Extensions.Options;
using Orchestrator.Activities.Pipelines;

namespace Orchestrator.Host.Hosting;

/// <summary>Every pipeline under <c>Orchestrator:Pipelines</c>, by name.</summary>
public sealed class PipelinesOptions
{
    public Dictionary<string, PipelineOptions> Pipelines { get; } = new(StringComparer.OrdinalIgnoreCase);

    public PipelineReadResult Read() => PipelineDefinitionReader.ReadAll(Pipelines);
}

/// <summary>Every pipeline problem at once: bad cron, negative delays, no entities, unknown policies …</summary>
public sealed class PipelinesOptionsValidator : IValidateOptions<PipelinesOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelinesOptions options)
    {
        var problems = options.Read().Problems;
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
