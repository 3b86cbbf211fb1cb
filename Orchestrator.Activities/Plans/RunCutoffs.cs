using System.Collections.Concurrent;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// The new-data cutoffs for a run's checks (<see cref="EntityCutoffs"/>), one table per run shared by its checks. A run
/// of 1,000 entities used to page the run listing once per entity; now its first check reads the history once for all
/// the pipeline's entities, and later ones re-read only runs created since or unfinished then, at most once per
/// <see cref="Reuse"/>. One look per run is in flight at a time: checks arriving meanwhile wait and share its answer.
/// </summary>
public sealed class RunCutoffs(EntityHistory history, PipelineCatalog pipelines, TimeProvider time)
{
    /// <summary>
    /// Runs whose tables are kept. More live runs than this at once is far past any pipeline's MaxParallelJobs, so
    /// the tables are dropped and rebuilt (one pass each) rather than tracked by age: no run tells us it has ended.
    /// </summary>
    const int MaxRuns = 64;

    readonly ConcurrentDictionary<string, RunTable> tables = new(StringComparer.Ordinal);

    /// <summary>
    /// How long a run's table answers without a look at the store. Only another run of the same pipeline that succeeds
    /// the same entity within this window goes unseen, a race the check has with such a run anyway; and the miss
    /// errs towards running the job (an older cutoff counts more data as new), never towards skipping it.
    /// </summary>
    public static TimeSpan Reuse { get; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When the run of <paramref name="entity"/>'s last succeeded job step was created, another run than
    /// <paramref name="runId"/>; null when none is on record.
    /// </summary>
    public async Task<DateTime?> LastSucceededRunStartAsync(string runId, string entity, CancellationToken cancellationToken)
    {
        if (tables.Count >= MaxRuns && !tables.ContainsKey(runId))
        {
            tables.Clear();
        }

        var table = tables.GetOrAdd(runId, _ => new RunTable());
        var pipeline = RunIds.PipelineOf(runId);
        await table.Gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (table.Cutoffs is null || !table.Cutoffs.Entities.Contains(entity, StringComparer.Ordinal))
            {
                // The first check, or an entity the configured pipeline does not name (its definition changed since the run began).
                var configured = pipelines.Find(pipeline)?.Entities.Select(e => e.Name) ?? [];
                table.Cutoffs = await history.LastSucceededRunStartsAsync(pipeline,
                    [.. configured, .. table.Cutoffs?.Entities ?? [], entity], runId, cancellationToken);
                table.LookedAt = now;
            }
            else if (now - table.LookedAt >= Reuse)
            {
                await history.CatchUpAsync(pipeline, table.Cutoffs, cancellationToken);
                table.LookedAt = now;
            }

            return table.Cutoffs.Of(entity);
        }
        finally
        {
            table.Gate.Release();
        }
    }

    /// <summary>One run's table; touched only under <see cref="Gate"/>.</summary>
    sealed class RunTable
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public EntityCutoffs? Cutoffs { get; set; }

        public DateTime LookedAt { get; set; }
    }
}
