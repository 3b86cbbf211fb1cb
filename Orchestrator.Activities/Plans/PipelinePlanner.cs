using Orchestrator.Activities.Costs;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Plans;

/// <summary>
/// Builds a <see cref="PipelinePlan"/> for the API and the CLI: the steps a run would take now, each entity's new-data
/// check (made for every entity, so the plan shows new files and bytes even where SkipWhenNoNewData is off), and
/// estimates of time and cost from the run records, and the budget's verdict. It starts nothing and changes nothing.
/// </summary>
public sealed class PipelinePlanner(RunQueries queries, EntityHistory history, PipelineBudgets budgets, IGlueBackend glue, TimeProvider time)
{
    /// <summary>Recent successful attempts per step whose median is the estimate.</summary>
    public const int Samples = 10;

    public async Task<PipelinePlan> PlanAsync(string pipelineName, IReadOnlyList<string>? entityNames, CancellationToken cancellationToken)
    {
        var pipeline = queries.Pipeline(pipelineName);
        var selected = RunCommands.CheckEntities(pipeline, entityNames, RunProblem.NotFound) is { } names
            ? pipeline.Entities.Where(e => names.Contains(e.Name, StringComparer.OrdinalIgnoreCase)).ToList()
            : pipeline.Entities;
        var stepIds = StepIdsOf(pipeline, selected);
        var durations = await history.RecentSuccessesAsync(pipeline.Name, stepIds, Samples, cancellationToken);
        var cutoffs = await history.LastSucceededRunStartsAsync(pipeline.Name, selected.Select(e => e.Name), null, cancellationToken);

        var steps = new List<PlannedStep>();
        if (pipeline.RawCrawler is { } raw)
        {
            steps.Add(Step(StepIds.RawCrawler, StepKind.RawCrawler, raw, raw, PlannedAction.Run,
                "the raw crawler runs first, so the jobs see newly arrived raw partitions", null, durations));
        }

        foreach (var entity in selected)
        {
            var job = await PlanEntityAsync(entity, cutoffs.Of(entity.Name), durations, cancellationToken);
            steps.Add(job);
            if (entity.CleanCrawler is { } lane)
            {
                steps.Add(job.Action == PlannedAction.Run
                    ? Step(StepIds.EntityCleanCrawler(entity.Name), StepKind.EntityCleanCrawler, entity.Name, lane, PlannedAction.Run,
                        "catalogs the entity's clean partitions as soon as its job succeeds", null, durations)
                    : Step(StepIds.EntityCleanCrawler(entity.Name), StepKind.EntityCleanCrawler, entity.Name, lane, PlannedAction.Skip,
                        "no new data: the entity's job is skipped", null, durations));
            }
        }

        var jobs = steps.Where(s => s.Kind == StepKind.EntityJob).ToList();
        var running = jobs.Count(s => s.Action == PlannedAction.Run);
        if (pipeline.CleanCrawler is { } clean)
        {
            steps.Add(running > 0
                ? Step(StepIds.CleanCrawler, StepKind.CleanCrawler, clean, clean, PlannedAction.Run,
                    $"runs after the entity jobs when CleanCrawlerWhen ({pipeline.CleanCrawlerWhen}) allows", null, durations)
                : Step(StepIds.CleanCrawler, StepKind.CleanCrawler, clean, clean, PlannedAction.Skip,
                    "no new data: every entity's job is skipped", null, durations));
        }

        var cost = EstimateCost(steps);
        var budget = PlanBudget.Of(await budgets.CheckAsync(pipeline, cancellationToken), cost);
        return new PipelinePlan(pipeline.Name, pipeline.Hash, glue.Kind, time.GetUtcNow().UtcDateTime, steps,
            running, jobs.Count - running, EstimateRun(pipeline, steps), cost, budget);
    }

    async Task<PlannedStep> PlanEntityAsync(EntityDefinition entity, DateTime? since,
        IReadOnlyDictionary<string, List<StepSample>> durations, CancellationToken cancellationToken)
    {
        RawDataCheck? check = null;
        string? failure = null;
        try
        {
            check = await glue.CheckRawDataAsync(entity.Job, entity.Arguments,
                since is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null, cancellationToken);
        }
        catch (GlueException ex)
        {
            // As in a run: a check that cannot be made never skips the job.
            failure = $"the new-data check failed ({GlueCallError.From(ex).Code}: {ex.Message})";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            failure = $"the new-data check failed ({ex.GetType().Name}: {ex.Message})";
        }

        var id = StepIds.Entity(entity.Name);
        var (action, reason) = (entity.SkipWhenNoNewData, check) switch
        {
            (true, { HasNewData: false }) => (PlannedAction.Skip, $"{AttemptStates.NoNewDataReason}: {check.Basis}"),
            (true, { HasNewData: true }) => (PlannedAction.Run, $"new raw data: {check.Basis}"),
            (true, null) => (PlannedAction.Run, $"{failure}, so the job runs"),
            (false, _) => (PlannedAction.Run, "SkipWhenNoNewData is off: the job runs whatever arrived" +
                (check is null ? $" ({failure})" : $" ({check.Basis})")),
        };
        return Step(id, StepKind.EntityJob, entity.Name, entity.Job, action, reason, check, durations);
    }

    static PlannedStep Step(string id, StepKind kind, string name, string? resource, PlannedAction action, string reason,
        RawDataCheck? rawData, IReadOnlyDictionary<string, List<StepSample>> durations)
    {
        var samples = durations.GetValueOrDefault(id) ?? [];
        var priced = samples.Where(s => s.Cost is not null).Select(s => s.Cost!).ToList();
        var cost = priced.Count == 0
            ? null
            : new CostTotal(Median(priced.Select(c => c.DpuSeconds))!.Value, Median(priced.Select(c => c.Cost))!.Value, Estimated: true);
        return new PlannedStep(id, kind, name, resource, action, reason, rawData,
            Median(samples.Select(s => s.Duration.TotalSeconds)), samples.Count, cost);
    }

    static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>
    /// The raw crawl, then the entity jobs (each with its lane crawl) placed on MaxParallelJobs slots in order, each on
    /// the slot that frees first, then the clean crawl; null when a step that would run has no estimate.
    /// </summary>
    static double? EstimateRun(PipelineDefinition pipeline, IReadOnlyList<PlannedStep> steps)
    {
        var runs = steps.Where(s => s.Action == PlannedAction.Run).ToList();
        if (runs.Any(s => s.EstimatedSeconds is null))
        {
            return null;
        }

        double Of(StepKind kind) => runs.Where(s => s.Kind == kind).Sum(s => s.EstimatedSeconds!.Value);
        var slots = new PriorityQueue<int, double>();
        for (var i = 0; i < pipeline.MaxParallelJobs; i++)
        {
            slots.Enqueue(i, 0);
        }

        var entityPhase = 0d;
        foreach (var job in runs.Where(s => s.Kind == StepKind.EntityJob))
        {
            var lane = runs.FirstOrDefault(s => s.Kind == StepKind.EntityCleanCrawler && s.Name == job.Name)?.EstimatedSeconds ?? 0;
            slots.TryDequeue(out var slot, out var free);
            entityPhase = Math.Max(entityPhase, free + job.EstimatedSeconds!.Value + lane);
            slots.Enqueue(slot, free + job.EstimatedSeconds!.Value);
        }

        return Of(StepKind.RawCrawler) + entityPhase + Of(StepKind.CleanCrawler);
    }

    /// <summary>The steps that would run, added up; null when one of them has no priced attempt on record.</summary>
    static CostTotal? EstimateCost(IReadOnlyList<PlannedStep> steps)
    {
        var runs = steps.Where(s => s.Action == PlannedAction.Run).ToList();
        return runs.Any(s => s.EstimatedCost is null) ? null : CostTotal.Sum(runs.Select(s => s.EstimatedCost));
    }

    static List<string> StepIdsOf(PipelineDefinition pipeline, IReadOnlyList<EntityDefinition> entities) =>
    [
        .. pipeline.RawCrawler is null ? [] : new[] { StepIds.RawCrawler },
        .. entities.Select(e => StepIds.Entity(e.Name)),
        .. entities.Where(e => e.CleanCrawler is not null).Select(e => StepIds.EntityCleanCrawler(e.Name)),
        .. pipeline.CleanCrawler is null ? [] : new[] { StepIds.CleanCrawler },
    ];
}
