using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// Each entity's new-data cutoff, built from run listings read newest first: when the run that holds the entity's last
/// succeeded job step was created ("new" is newer than that). Its <see cref="RunWatermark"/> tells a later look what to
/// read again: runs created since, and runs that were unfinished, whose steps may still succeed. Not thread-safe.
/// </summary>
public sealed class EntityCutoffs(IEnumerable<string> entities, string? exceptRunId)
{
    readonly Dictionary<string, DateTime> cutoffs = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> entityOfStep = entities.Distinct(StringComparer.Ordinal).ToDictionary(StepIds.Entity, e => e, StringComparer.Ordinal);
    readonly RunWatermark watermark = new();
    int looks;

    /// <summary>The entities the table answers for.</summary>
    public IEnumerable<string> Entities => entityOfStep.Values;

    /// <summary>
    /// Whether the first look may stop: every entity has its cutoff. Runs further back are older than each cutoff,
    /// so nothing they hold, even steps that succeed later, can change one.
    /// </summary>
    public bool Complete => looks == 1 && cutoffs.Count == entityOfStep.Count;

    /// <summary>The entity's cutoff; null when no run on record holds a succeeded job step of it.</summary>
    public DateTime? Of(string entity) => cutoffs.TryGetValue(entity, out var at) ? at : null;

    /// <summary>Starts a look: returns where its listing starts (null: from the newest run).</summary>
    internal DateTime? BeginLook()
    {
        looks++;
        return watermark.BeginRead();
    }

    /// <summary>Takes a listed run: the newest run holding an entity's succeeded job step sets its cutoff.</summary>
    internal void Take(RunSummary run)
    {
        if (run.RunId == exceptRunId)
        {
            return;
        }

        watermark.Note(run);
        foreach (var step in run.Steps)
        {
            if (step.State == StepState.Succeeded && entityOfStep.TryGetValue(step.Id, out var entity)
                && (!cutoffs.TryGetValue(entity, out var cutoff) || run.CreatedAt > cutoff))
            {
                cutoffs[entity] = run.CreatedAt;
            }
        }
    }
}
