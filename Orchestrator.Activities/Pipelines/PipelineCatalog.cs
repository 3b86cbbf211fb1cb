namespace Orchestrator.Activities.Pipelines;

/// <summary>The validated pipelines of this host, by name (case-insensitive, as configuration keys are).</summary>
public sealed class PipelineCatalog(IEnumerable<PipelineDefinition> definitions)
{
    readonly Dictionary<string, PipelineDefinition> byName = definitions.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<PipelineDefinition> All => byName.Values;

    public PipelineDefinition? Find(string name) => byName.GetValueOrDefault(name);
}
