using System.Globalization;
using System.Text;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.Query;
using DurableTask.Core.Serializing;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// The one way runs are started, read and steered: the scheduler, the REST API and the CLI all come here, so
/// they cannot disagree about ids, overlap rules or what a run's status is.
/// </summary>
public sealed class RunService(
    IOrchestrationServiceClient client,
    IOrchestrationServiceQueryClient query,
    PipelineCatalog pipelines,
    IGlueBackend glue,
    TimeProvider time,
    ILogger<RunService> logger,
    Random? random = null)
{
    static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));
    static readonly OrchestrationStatus[] Live = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew];
    static readonly OrchestrationStatus[] Every = Enum.GetValues<OrchestrationStatus>();
    static readonly DataConverter Json = JsonDataConverter.Default;

    readonly TaskHubClient hub = new(client);
    readonly Random random = random ?? Random.Shared;
    readonly System.Collections.Concurrent.ConcurrentDictionary<RunFilter, (DateTime Until, Task<RunPage> Page)> recentPages = new();
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> starting = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How long a run listing is reused: dashboards poll the same first page, and with many watchers one store
    /// query per interval serves them all. Changes made through this service drop the reused pages at once.
    /// </summary>
    public static TimeSpan ListingReuse { get; } = TimeSpan.FromSeconds(1);

    DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Starts a manual run, or refuses with a reason (unknown pipeline or entity, or an active run under Skip).</summary>
    public async Task<string> StartAsync(string pipelineName, StartRunRequest request, CancellationToken cancellationToken = default)
    {
        var pipeline = Pipeline(pipelineName);
        var entities = CheckEntities(pipeline, request.Entities);
        var input = new PipelineRunInput(pipeline, RunKind.Manual, Now, Entities: entities, Reason: request.Reason);
        return await StartUnscheduledAsync(input, "manual", cancellationToken);
    }

    /// <summary>Starts the run of a schedule slot; false when that slot was already started (by this host or another).</summary>
    public async Task<bool> StartScheduledAsync(PipelineDefinition pipeline, DateTime slotUtc)
    {
        try
        {
            await CreateAsync(RunIds.Scheduled(pipeline.Name, slotUtc), new PipelineRunInput(pipeline, RunKind.Scheduled, Now, ScheduledSlot: slotUtc), Every);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }

    /// <summary>Whether a run with this id exists, in any state (a slot's run started by any host, say).</summary>
    public async Task<bool> ExistsAsync(string runId) =>
        await client.GetOrchestrationStateAsync(runId, executionId: null) is not null;

    /// <summary>A new run with the same input as <paramref name="runId"/>.</summary>
    public async Task<string> ReplayAsync(string runId, string? reason, CancellationToken cancellationToken = default)
    {
        var origin = await GetAsync(runId, cancellationToken);
        var input = origin.Input ?? throw new RunRequestException(RunProblem.Conflict, $"Run '{runId}' has no readable input to replay.");
        var replay = input with { Kind = RunKind.Replay, RequestedAt = Now, ScheduledSlot = null, ReusedSteps = null, OriginRunId = runId, Reason = reason ?? input.Reason };
        return await StartUnscheduledAsync(replay, "replay", cancellationToken);
    }

    /// <summary>A new run of a failed or terminated run that reuses its succeeded steps and reruns the rest.</summary>
    public async Task<string> RedriveAsync(string runId, string? reason, CancellationToken cancellationToken = default)
    {
        var origin = await GetAsync(runId, cancellationToken);
        if (origin.Summary.Status is not (RunStatus.Failed or RunStatus.Terminated))
        {
            throw new RunRequestException(RunProblem.Conflict, $"Run '{runId}' is {origin.Summary.Status}: only failed or terminated runs can be redriven.");
        }

        var input = origin.Input ?? throw new RunRequestException(RunProblem.Conflict, $"Run '{runId}' has no readable input to redrive.");
        var redrive = input with
        {
            Kind = RunKind.Redrive,
            RequestedAt = Now,
            ScheduledSlot = null,
            ReusedSteps = origin.Steps.Where(s => s.Succeeded).ToList(),
            OriginRunId = runId,
            Reason = reason ?? input.Reason,
        };
        return await StartUnscheduledAsync(redrive, "redrive", cancellationToken);
    }

    /// <summary>
    /// Asks a run to stop: it stops its steps' Glue runs and ends Terminated with every step's last state.
    /// <paramref name="force"/> ends it at once instead, for a run that no longer responds.
    /// </summary>
    public async Task TerminateAsync(string runId, string? reason, bool force = false, CancellationToken cancellationToken = default)
    {
        var run = await GetAsync(runId, cancellationToken);
        if (!run.Actions.CanTerminate)
        {
            throw new RunRequestException(RunProblem.Conflict, $"Run '{runId}' is {run.Summary.Status}: only a pending or running run can be terminated.");
        }

        var why = string.IsNullOrWhiteSpace(reason) ? "terminated by an operator" : reason;
        logger.LogWarning("Terminating run {RunId} ({Force}): {Reason}", runId, force ? "forced" : "graceful", why);
        if (!force)
        {
            await hub.RaiseEventAsync(new OrchestrationInstance { InstanceId = runId }, PipelineRunOrchestration.TerminateEvent, why);
        }
        else
        {
            await client.ForceTerminateTaskOrchestrationAsync(runId, why);
            foreach (var step in run.Steps.Where(s => s.State == StepState.Running))
            {
                await client.ForceTerminateTaskOrchestrationAsync(RunIds.Step(runId, step.Id), why);
                await StopGlueResourceAsync(step, cancellationToken);
            }
        }

        recentPages.Clear();
    }

    public async Task<RunDetails> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        var state = await RunStateAsync(runId);
        var summary = Summarize(state);
        var input = Read<PipelineRunInput>(state.Input);
        var output = state.OrchestrationStatus == OrchestrationStatus.Completed ? Read<RunResult>(state.Output) : null;
        var steps = output?.Steps ?? await LiveStepsAsync(runId, summary.Steps);
        var live = Live.Contains(state.OrchestrationStatus);
        var actions = new RunActions(
            CanReplay: input is not null,
            CanRedrive: input is not null && summary.Status is RunStatus.Failed or RunStatus.Terminated,
            CanTerminate: live);
        return new RunDetails(summary, input, steps, output?.DefinitionHash ?? input?.DefinitionHash, glue.Kind, actions);
    }

    /// <summary>Runs newest first; the cursor continues after the last run of the previous page.</summary>
    public Task<RunPage> ListAsync(RunFilter filter, CancellationToken cancellationToken = default)
    {
        var now = Now;
        if (recentPages.TryGetValue(filter, out var recent) && recent.Until > now && !recent.Page.IsFaulted)
        {
            return recent.Page.WaitAsync(cancellationToken);
        }

        // Concurrent callers share one query; the token of whoever started it does not cancel the others.
        var page = QueryAsync(filter, CancellationToken.None);
        recentPages[filter] = (now + ListingReuse, page);
        if (recentPages.Count > 1000)
        {
            recentPages.Clear();
        }

        return page.WaitAsync(cancellationToken);
    }

    async Task<RunPage> QueryAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        var pipeline = filter.Pipeline is { } name ? Pipeline(name) : null;
        var after = Cursor.Parse(filter.Cursor);
        var limit = Math.Clamp(filter.Limit, 1, 500);
        var request = new OrchestrationQuery
        {
            InstanceIdPrefix = pipeline is null ? null : $"{pipeline.Name}@",
            CreatedTimeFrom = filter.Since,
            CreatedTimeTo = after?.CreatedAt ?? filter.Until,
            RuntimeStatus = filter.Status is { } status ? StoreStatuses(status) : null,
            // Succeeded, Failed and Terminated runs are all Completed in the store and their status is checked after
            // the query, so read bigger pages for those (the page size stays fixed: some stores page by offset).
            PageSize = filter.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Terminated ? Math.Max(limit + 1, 200) : limit + 1,
            FetchInputsAndOutputs = false,
        };

        var runs = new List<RunSummary>();
        var more = false;
        do
        {
            var page = await query.GetOrchestrationWithQueryAsync(request, cancellationToken);
            foreach (var state in page.OrchestrationState)
            {
                if (!IsRunOf(state, pipeline?.Name) || (after is not null && !after.IsBefore(state)))
                {
                    continue;
                }

                var summary = Summarize(state);
                if (filter.Status is { } wanted && summary.Status != wanted)
                {
                    continue;
                }

                if (runs.Count == limit)
                {
                    more = true;
                    break;
                }

                runs.Add(summary);
            }

            request.ContinuationToken = page.ContinuationToken;
        }
        while (!more && request.ContinuationToken is not null);

        return new RunPage(runs, more ? Cursor.After(runs[^1]) : null);
    }

    /// <summary>The runs of a pipeline that are pending or running, newest first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ActiveRunsAsync(string pipelineName, CancellationToken cancellationToken = default)
    {
        var page = await query.GetOrchestrationWithQueryAsync(new OrchestrationQuery
        {
            InstanceIdPrefix = $"{pipelineName}@",
            RuntimeStatus = Live,
            PageSize = 100,
        }, cancellationToken);
        return page.OrchestrationState.Where(s => IsRunOf(s, pipelineName)).Select(Summarize).ToList();
    }

    /// <summary>The run's orchestration history, oldest first.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken = default)
    {
        await RunStateAsync(runId);
        var json = await client.GetOrchestrationHistoryAsync(runId, executionId: null);
        return JArray.Parse(json).OfType<JObject>().Select(ToHistoryEntry).ToList();
    }

    /// <summary>
    /// A run of the given pipeline (not a step's sub-orchestration, nor a run of another pipeline whose name the
    /// store's prefix match also let through: SQL Server's LIKE reads '_' as a wildcard).
    /// </summary>
    static bool IsRunOf(OrchestrationState state, string? pipeline) =>
        state.Name == RunOrchestration && RunIds.IsRun(state.OrchestrationInstance.InstanceId)
        && (pipeline is null || string.Equals(RunIds.PipelineOf(state.OrchestrationInstance.InstanceId), pipeline, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Starts a manual, replay or redrive run. The Skip rule's check and the create happen under one lock per
    /// pipeline, so a double click cannot start two runs; across replicas the rule is best effort.
    /// </summary>
    async Task<string> StartUnscheduledAsync(PipelineRunInput input, string kind, CancellationToken cancellationToken)
    {
        var gate = starting.GetOrAdd(input.Pipeline.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await RefuseOverlapAsync(input.Pipeline, cancellationToken);
            return await CreateAsync(RunIds.Unscheduled(input.Pipeline.Name, kind, time.GetUtcNow(), random), input, Live);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The run's orchestration state, or a not-found refusal for anything that is not a run.</summary>
    async Task<OrchestrationState> RunStateAsync(string runId)
    {
        var state = RunIds.IsRun(runId) ? await client.GetOrchestrationStateAsync(runId, executionId: null) : null;
        return state is not null && state.Name == RunOrchestration
            ? state
            : throw new RunRequestException(RunProblem.NotFound, $"There is no run '{runId}'.");
    }

    async Task<string> CreateAsync(string runId, PipelineRunInput input, OrchestrationStatus[] dedupe)
    {
        var tags = new Dictionary<string, string>
        {
            ["pipeline"] = input.Pipeline.Name,
            ["kind"] = input.Kind.ToString(),
        };
        if (input.OriginRunId is { } origin)
        {
            tags["origin"] = origin;
        }

        if (input.ScheduledSlot is { } slot)
        {
            tags["slot"] = slot.ToString("O", CultureInfo.InvariantCulture);
        }

        await hub.CreateOrchestrationInstanceAsync(RunOrchestration, string.Empty, runId, input, tags, dedupe);
        recentPages.Clear();
        logger.LogInformation("Started run {RunId} of {Pipeline} ({Kind})", runId, input.Pipeline.Name, input.Kind);
        return runId;
    }

    PipelineDefinition Pipeline(string name) =>
        pipelines.Find(name) ?? throw new RunRequestException(RunProblem.NotFound,
            $"There is no pipeline '{name}'; configured: {string.Join(", ", pipelines.All.Select(p => p.Name))}.");

    static IReadOnlyList<string>? CheckEntities(PipelineDefinition pipeline, IReadOnlyList<string>? entities)
    {
        if (entities is not { Count: > 0 })
        {
            return null;
        }

        if (entities.Any(string.IsNullOrWhiteSpace))
        {
            throw new RunRequestException(RunProblem.Invalid,
                $"An entity name is empty or null; name entities of pipeline '{pipeline.Name}': {string.Join(", ", pipeline.Entities.Select(e => e.Name))}.");
        }

        var unknown = entities.Where(e => pipeline.FindEntity(e) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new RunRequestException(RunProblem.Invalid,
                $"Unknown entities for pipeline '{pipeline.Name}': {string.Join(", ", unknown)}. Its entities are: {string.Join(", ", pipeline.Entities.Select(e => e.Name))}.");
        }

        return entities.Select(e => pipeline.FindEntity(e)!.Name).Distinct().ToList();
    }

    async Task RefuseOverlapAsync(PipelineDefinition pipeline, CancellationToken cancellationToken)
    {
        if (pipeline.Overlap != OverlapPolicy.Skip)
        {
            return;
        }

        var active = await ActiveRunsAsync(pipeline.Name, cancellationToken);
        if (active.Count > 0)
        {
            throw new RunRequestException(RunProblem.Conflict,
                $"Run '{active[0].RunId}' of pipeline '{pipeline.Name}' is still {active[0].Status} and the pipeline's Overlap policy is Skip: wait for it, terminate it, or set Overlap to Queue or Allow.");
        }
    }

    async Task<IReadOnlyList<StepOutcome>> LiveStepsAsync(string runId, IReadOnlyList<StepSummary> steps)
    {
        var outcomes = new List<StepOutcome>();
        foreach (var step in steps)
        {
            var child = step.Attempts > 0 || step.State == StepState.Running
                ? await client.GetOrchestrationStateAsync(RunIds.Step(runId, step.Id), executionId: null)
                : null;
            outcomes.Add(Read<StepOutcome>(child?.Status)
                ?? new StepOutcome(step.Id, step.Kind, step.Name, null, step.State, step.StartedAt, step.EndedAt, null, step.ErrorMessage, []));
        }

        return outcomes;
    }

    async Task StopGlueResourceAsync(StepOutcome step, CancellationToken cancellationToken)
    {
        try
        {
            if (step.Kind == StepKind.EntityJob && step.Attempts.LastOrDefault() is { GlueRunId: { } glueRunId, EndedAt: null } && step.Resource is { } job)
            {
                await glue.StopJobRunsAsync(job, [glueRunId], cancellationToken);
            }
            else if (step.Kind != StepKind.EntityJob && step.Resource is { } crawler && step.Attempts.LastOrDefault()?.State != "ATTACHED")
            {
                await glue.StopCrawlerAsync(crawler, cancellationToken);
            }
        }
        catch (GlueException ex)
        {
            logger.LogWarning("Could not stop the Glue resource of step {Step}: {ErrorCode} {ErrorMessage}", step.Id, ex.ErrorCode, ex.Message);
        }
    }

    RunSummary Summarize(OrchestrationState state)
    {
        var id = state.OrchestrationInstance.InstanceId;
        IReadOnlyDictionary<string, string> tags = state.Tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(state.Tags);
        var progress = Read<RunProgress>(state.Status);
        var status = state.OrchestrationStatus switch
        {
            OrchestrationStatus.Pending => RunStatus.Pending,
            OrchestrationStatus.Completed => progress?.Status ?? RunStatus.Succeeded,
            OrchestrationStatus.Failed => RunStatus.Failed,
            OrchestrationStatus.Terminated or OrchestrationStatus.Canceled => RunStatus.Terminated,
            _ => RunStatus.Running,
        };
        var steps = progress?.Steps ?? [];
        var pipeline = RunIds.PipelineOf(id);
        var active = status is RunStatus.Pending or RunStatus.Running;
        var deadline = pipelines.Find(pipeline)?.RunDeadline;
        return new RunSummary(
            id,
            pipeline,
            Enum.TryParse<RunKind>(tags.GetValueOrDefault("kind"), out var kind) ? kind : RunKind.Manual,
            status,
            state.CreatedTime,
            active ? null : state.CompletedTime > DateTime.MinValue ? state.CompletedTime : state.LastUpdatedTime,
            DateTime.TryParse(tags.GetValueOrDefault("slot"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var slot) ? slot : null,
            tags.GetValueOrDefault("origin"),
            steps.Where(s => s.Kind == StepKind.EntityJob && s.State is StepState.Failed or StepState.Stopped).Select(s => s.Name).ToList(),
            steps,
            active && deadline is { } limit && Now - state.CreatedTime > limit,
            progress?.Message ?? (state.OrchestrationStatus is OrchestrationStatus.Failed or OrchestrationStatus.Terminated ? state.Output : null));
    }

    static OrchestrationStatus[] StoreStatuses(RunStatus status) => status switch
    {
        RunStatus.Pending => [OrchestrationStatus.Pending],
        RunStatus.Running => [OrchestrationStatus.Running, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew],
        RunStatus.Succeeded => [OrchestrationStatus.Completed],
        RunStatus.Failed => [OrchestrationStatus.Completed, OrchestrationStatus.Failed],
        _ => [OrchestrationStatus.Completed, OrchestrationStatus.Terminated, OrchestrationStatus.Canceled],
    };

    static T? Read<T>(string? json)
        where T : class
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return Json.Deserialize<T>(json);
        }
        catch (Newtonsoft.Json.JsonException)
        {
            return null;
        }
    }

    static HistoryEntry ToHistoryEntry(JObject e)
    {
        var type = e["EventType"] is { Type: JTokenType.Integer } number ? ((DurableTask.Core.History.EventType)number.Value<int>()).ToString() : e["EventType"]?.ToString() ?? "Unknown";
        var detail = (e["FireAt"] ?? e["InstanceId"] ?? e["Reason"] ?? e["Result"] ?? e["Input"])?.ToString();
        if (detail is { Length: > 300 })
        {
            detail = string.Concat(detail.AsSpan(0, 300), "…");
        }

        return new HistoryEntry(e["EventId"]?.Value<int>() ?? -1, type, e["Timestamp"]?.Value<DateTime>() ?? default, e["Name"]?.ToString(), detail);
    }

    /// <summary>The position after a listed run: runs are ordered by creation time, then id, both descending.</summary>
    sealed record Cursor(DateTime CreatedAt, string RunId)
    {
        public static string After(RunSummary run) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{run.CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{run.RunId}"));

        public static Cursor? Parse(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            try
            {
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(text)).Split('|', 2);
                return new Cursor(new DateTime(long.Parse(parts[0], CultureInfo.InvariantCulture), DateTimeKind.Utc), parts[1]);
            }
            catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentException or OverflowException)
            {
                throw new RunRequestException(RunProblem.Invalid, "The cursor is not one this API returned; start again without it.");
            }
        }

        public bool IsBefore(OrchestrationState state) =>
            state.CreatedTime < CreatedAt || (state.CreatedTime == CreatedAt && string.CompareOrdinal(state.OrchestrationInstance.InstanceId, RunId) < 0);
    }
}
