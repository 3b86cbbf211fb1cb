using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// Each entity's new-data cutoff, built from run listings read newest first: when the run that holds the entity's last
/// succeeded job step was created ("new" is newer than that). It also notes what a later look must read again: runs
/// created after the newest one seen, and runs that were unfinished, whose steps may still succeed. Not thread-safe.
/// </summary>
public sealed class EntityCutoffs(IEnumerable<string> entities, string? exceptRunId)
{
    readonly Dictionary<string, DateTime> cutoffs = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> entityOfStep = entities.Distinct(StringComparer.Ordinal).ToDictionary(StepIds.Entity, e => e, StringComparer.Ordinal);
    readonly List<DateTime> unfinished = [];
    DateTime? newest;
    int looks;

    /// <summary>The entities the table answers for.</summary>
    public IEnumerable<string> Entities => entityOfStep.Values;

    /// <summary>
    /// Whether the first look may stop: every entity has its cutoff. Runs further back are older than each cutoff,
    /// so nothing they hold, even steps that succeed later, can change one.
    /// </summary>
    public bool Complete => looks == 1 && cutoffs.Count == entityOfStep.Count;

    /// <summary>Where a later look starts: the oldest run that was unfinished at the last look, else the newest run seen.</summary>
    public DateTime? ChangedSince => unfinished.Count > 0 ? unfinished.Min() : newest;

    /// <summary>The entity's cutoff; null when no run on record holds a succeeded job step of it.</summary>
    public DateTime? Of(string entity) => cutoffs.TryGetValue(entity, out var at) ? at : null;

    internal void BeginLook()
    {
        looks++;
        unfinished.Clear();
    }

    /// <summary>Takes a listed run: the newest run holding an entity's succeeded job step sets its cutoff.</summary>
    internal void Take(RunSummary run)
    {
        if (run.RunId == exceptRunId)
        {
            return;
        }

        newest = newest is { } seen && seen >= run.CreatedAt ? seen : run.CreatedAt;
        if (!run.Status.IsFinished())
        {
            unfinished.Add(run.CreatedAt);
        }

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
