using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue.Local;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// On the local engine every crawler and job a pipeline names must be declared under
/// <c>Orchestrator:Glue:Local</c>; found at start-up rather than when a run reaches the step. (On AWS the names are
/// Glue's to know: a missing one fails its step with Glue's message.)
/// </summary>
public static class LocalGlueReferences
{
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        if (!string.Equals(configuration[$"{GlueSelection.Section}:Backend"] ?? GlueSelection.Local, GlueSelection.Local, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var local = new LocalGlueOptions();
        var pipelines = new PipelinesOptions();
        try
        {
            configuration.GetSection(LocalGlueOptions.SectionPath).Bind(local);
            configuration.GetSection(PipelineDefinitionReader.Section).Bind(pipelines.Pipelines);
        }
        catch (InvalidOperationException)
        {
            // A value that does not convert is reported with its own section.
            return [];
        }

        var problems = new List<string>();
        foreach (var (name, pipeline) in pipelines.Pipelines.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = $"{PipelineDefinitionReader.Section}:{name}";
            Check($"{key}:RawCrawler", pipeline.RawCrawler, "crawler", local.Crawlers.Keys, "Crawlers", problems);
            Check($"{key}:CleanCrawler", pipeline.CleanCrawler, "crawler", local.Crawlers.Keys, "Crawlers", problems);
            foreach (var (entity, options) in pipeline.Entities.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                Check($"{key}:Entities:{entity}:Job", options.Job, "job", local.Jobs.Keys, "Jobs", problems);
            }
        }

        return problems;
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
