using Microsoft.Extensions.Options;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue.Local;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// On the local engine every crawler and job a pipeline names must be declared under
/// <c>Orchestrator:Glue:Local</c>; found at start-up rather than when a run reaches the step. (On AWS the names are
/// Glue's to know: a missing one fails its step with Glue's message.) A validation of the pipelines as the host binds
/// them, registered with the local backend, so the configuration check lists it with every other start-up problem.
/// </summary>
public sealed class LocalGlueReferences(
    IEnumerable<IConfigureOptions<LocalGlueOptions>> localSetups, IEnumerable<IPostConfigureOptions<LocalGlueOptions>> localPostConfigures)
    : IValidateOptions<PipelinesOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelinesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LocalGlueOptions local;
        try
        {
            // The local options as their registration binds them, but not validated: their own problems are reported
            // by their own validator and must not hide these.
            local = new OptionsFactory<LocalGlueOptions>(localSetups, localPostConfigures).Create(Microsoft.Extensions.Options.Options.DefaultName);
        }
        catch (InvalidOperationException)
        {
            // A value that does not convert is reported with its own section.
            return ValidateOptionsResult.Skip;
        }

        var problems = new List<string>();
        foreach (var (pipelineName, pipeline) in options.Pipelines.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = $"{PipelineDefinitionReader.Section}:{pipelineName}";
            Check($"{key}:RawCrawler", pipeline.RawCrawler, "crawler", local.Crawlers.Keys, "Crawlers", problems);
            Check($"{key}:CleanCrawler", pipeline.CleanCrawler, "crawler", local.Crawlers.Keys, "Crawlers", problems);
            foreach (var (entity, entityOptions) in pipeline.Entities.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                Check($"{key}:Entities:{entity}:Job", entityOptions.Job, "job", local.Jobs.Keys, "Jobs", problems);
                Check($"{key}:Entities:{entity}:CleanCrawler", entityOptions.CleanCrawler, "crawler", local.Crawlers.Keys, "Crawlers", problems);
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    static void Check(string key, string? name, string kind, IEnumerable<string> declared, string section, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name) || declared.Contains(name.Trim(), StringComparer.Ordinal))
        {
            return;
        }

        var known = string.Join(", ", declared.Order(StringComparer.Ordinal));
        problems.Add($"{key}: '{name}' is not a {kind} of the local engine; declare it under {LocalGlueOptions.SectionPath}:{section} (declared: {(known.Length == 0 ? "none" : known)}).");
    }
}
