using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// What the run records say about a pipeline's past, read newest first through <see cref="RunQueries"/>: when the run
/// of each entity's last succeeded job started, and how long recent successful steps took.
/// </summary>
public sealed class EntityHistory(RunQueries queries)
{
    const int PageSize = 100;

    /// <summary>Runs looked through for an entity's last success; older ones are past retention in practice.</summary>
    const int MaxRuns = 1000;

    /// <summary>Runs whose details are read for durations: each read is one run's steps and attempts.</summary>
    const int MaxRunsForDurations = 30;

    /// <summary>
    /// For each of <paramref name="entities"/>, when the run of its last succeeded job step was created (a reused step
    /// succeeded in the run it came from, which is found further back), in one pass over the listing for all of them.
    /// <paramref name="exceptRunId"/> is the asking run.
    /// </summary>
    public async Task<EntityCutoffs> LastSucceededRunStartsAsync(string pipeline, IEnumerable<string> entities,
        string? exceptRunId, CancellationToken cancellationToken)
    {
        var cutoffs = new EntityCutoffs(entities, exceptRunId);
        await ReadAsync(pipeline, cutoffs, MaxRuns, cancellationToken);
        return cutoffs;
    }

    /// <summary>
    /// Brings <paramref name="cutoffs"/> up to date: reads only the runs created since its last look's newest run, or
    /// since the oldest run that was unfinished then (a finished run's steps never change).
    /// </summary>
    public Task CatchUpAsync(string pipeline, EntityCutoffs cutoffs, CancellationToken cancellationToken) =>
        ReadAsync(pipeline, cutoffs, int.MaxValue, cancellationToken);

    async Task ReadAsync(string pipeline, EntityCutoffs cutoffs, int maxRuns, CancellationToken cancellationToken)
    {
        var filter = new RunFilter(pipeline, Since: cutoffs.BeginLook(), Limit: PageSize);
        for (var seen = 0; seen < maxRuns && !cutoffs.Complete;)
        {
            var page = await queries.ListAsync(filter, cancellationToken);
            foreach (var run in page.Runs)
            {
                cutoffs.Take(run);
            }

            seen += page.Runs.Count;
            if (page.NextCursor is null)
            {
                break;
            }

            filter = filter with { Cursor = page.NextCursor };
        }
    }

    /// <summary>
    /// The most recent successful attempts (at most <paramref name="perStep"/>) of each step in
    /// <paramref name="stepIds"/>, newest first: the succeeded step's last attempt, from its start to its end, and what
    /// it cost (null when it was not priced).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, List<StepSample>>> RecentSuccessesAsync(string pipeline,
        IReadOnlyCollection<string> stepIds, int perStep, CancellationToken cancellationToken)
    {
        var durations = stepIds.ToDictionary(id => id, _ => new List<StepSample>(), StringComparer.Ordinal);
        var page = await queries.ListAsync(new RunFilter(pipeline, Limit: MaxRunsForDurations), cancellationToken);
        foreach (var run in page.Runs)
        {
            if (durations.Values.All(d => d.Count >= perStep))
            {
                break;
            }

            if (!run.Steps.Any(s => s.State == StepState.Succeeded && durations.TryGetValue(s.Id, out var d) && d.Count < perStep))
            {
                continue;
            }

            RunDetails details;
            try
            {
                details = await queries.GetAsync(run.RunId, cancellationToken);
            }
            catch (RunRequestException)
            {
                // Purged between the listing and the read.
                continue;
            }

            foreach (var step in details.Steps.Where(s => s.State == StepState.Succeeded))
            {
                if (durations.TryGetValue(step.Id, out var list) && list.Count < perStep
                    && step.Attempts.LastOrDefault() is { StartedAt: { } start, EndedAt: { } end } last && end >= start)
                {
                    list.Add(new StepSample(end - start, last.Cost));
                }
            }
        }

        return durations;
    }
}

/// <summary>One successful attempt of a step: how long it took and what it cost (null when it was not priced).</summary>
public sealed record StepSample(TimeSpan Duration, AttemptCost? Cost);
