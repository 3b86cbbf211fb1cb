using System.Globalization;
using BitFaster.Caching.Lru;
using DurableTask.Core;
using DurableTask.Core.Serializing;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue;
using Orchestrator.Storage.Listings;

namespace Orchestrator.Activities.Runs;

/// <summary>
/// Reading runs: one run with its steps and attempts, newest-first listings, a pipeline's active runs and a run's
/// history. The REST API, the CLI and the scheduler all read through here, so they agree on what a run's status is.
/// </summary>
public sealed partial class RunQueries(
    IOrchestrationServiceClient client,
    IInstanceListing listing,
    PipelineCatalog pipelines,
    IGlueBackend glue,
    RunListingCache listings,
    TimeProvider time,
    ILogger<RunQueries> logger)
{
    internal static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));
    static readonly DataConverter Json = JsonDataConverter.Default;

    /// <summary>How many finished runs' summaries listings keep, the least recently listed going first (about 3 KB each).</summary>
    const int MaxFinishedSummaries = 10_000;

    /// <summary>
    /// Summaries of finished runs as listings last read them, by run id: a finished run's row no longer changes, so a
    /// page that lists it again (another filter, another viewer's own query) reuses its summary, and the API its JSON,
    /// instead of reading its progress again. Each use checks the row it was read from is still the one the store returned.
    /// BitFaster's bounded LRU: no background compaction or size accounting to tune, unlike MemoryCache.
    /// </summary>
    readonly ConcurrentLru<string, ListedRun> finished = new(Environment.ProcessorCount, MaxFinishedSummaries, StringComparer.Ordinal);

    DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Whether a run with this id exists, in any state (a slot's run started by any host, say).</summary>
    public async Task<bool> ExistsAsync(string runId) =>
        await client.GetOrchestrationStateAsync(runId, executionId: null) is not null;

    public async Task<RunDetails> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        var state = await RunStateAsync(runId);
        var unreadable = new List<string>();
        var summary = Summarize(state, unreadable);
        var input = Read<PipelineRunInput>(runId, "input", state.Input, unreadable);
        var output = state.OrchestrationStatus == OrchestrationStatus.Completed ? Read<RunResult>(runId, "output", state.Output, unreadable) : null;
        var steps = output?.Steps ?? await LiveStepsAsync(runId, summary.Steps, unreadable);
        var actions = new RunActions(
            CanReplay: input is not null,
            CanRedrive: input is not null && summary.Status is RunStatus.Failed or RunStatus.Terminated,
            CanTerminate: RunStatuses.Live.Contains(state.OrchestrationStatus));
        return new RunDetails(summary, input, steps, output?.DefinitionHash ?? input?.DefinitionHash, glue.Kind, actions,
            unreadable.Count > 0 ? unreadable : null);
    }

    /// <summary>How far another host's clock may be ahead of this one's: no run is created later than this from now.</summary>
    static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs newest first; the cursor continues after the last run of the previous page with the same filters. A first
    /// page with an <c>until</c> past the present shares the page without it. Readers of a narrow window (a budget's
    /// last minute, a plan's look-back) read only its rows here; pages for viewers go through <see cref="ListSharedAsync"/>.
    /// </summary>
    public Task<RunPage> ListAsync(RunFilter filter, CancellationToken cancellationToken = default) =>
        PageAsync(filter, cutSince: false, cancellationToken);

    /// <summary>
    /// A page for a viewer (the API): as <see cref="ListAsync"/>, and a first page with a <c>since</c> is cut from the
    /// page without it (a dashboard's "last 30 days", every viewer with a <c>since</c> of their own). Runs are listed
    /// newest first, so those created at or after <c>since</c> are a prefix of that page: they share its one store query
    /// a second, and only the cut and the cursor, bound to the filters asked with, are the request's own. That page is
    /// a whole page from the store however narrow the window, which is why other readers do not take this path.
    /// </summary>
    public Task<RunPage> ListSharedAsync(RunFilter filter, CancellationToken cancellationToken = default) =>
        PageAsync(filter, cutSince: true, cancellationToken);

    async Task<RunPage> PageAsync(RunFilter filter, bool cutSince, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        // A first page whose `until` is past the present lists what the page without it lists (a date picker's
        // "to tomorrow", or every viewer's own "until now" a little ahead).
        var shared = filter.Cursor is null
            ? filter with
            {
                Since = cutSince ? null : filter.Since,
                Until = filter.Until is { } until && until > Now + ClockSkew ? null : filter.Until,
            }
            : filter;
        var page = await listings.GetAsync(shared, f => QueryAsync(f, CancellationToken.None), cancellationToken);
        return shared == filter ? page : Within(page, filter);
    }

    /// <summary>
    /// The first page of <paramref name="filter"/> from the page of its wider filter: that page's runs created at or after
    /// <see cref="RunFilter.Since"/>, with a cursor only while the store has more of them after the page.
    /// </summary>
    RunPage Within(RunPage wider, RunFilter filter)
    {
        var since = filter.Since ?? DateTime.MinValue;
        if (wider is { Last: { } last, Following: { } following } && following.CreatedAt >= since)
        {
            // The whole page, and at least one run after it, is in range: the same runs (and their kept JSON).
            return wider with { NextCursor = ListingCursor.Encode(last, FilterKey(filter, filter.Pipeline is { } name ? Pipeline(name) : null)) };
        }

        var inRange = wider.Runs.Count > 0 && wider.Runs[^1].CreatedAt >= since ? wider.Runs : [.. wider.Runs.TakeWhile(r => r.CreatedAt >= since)];
        return new RunPage(inRange, null);
    }

    /// <summary>Every run <paramref name="filter"/> selects, newest first, page after page (each page through <see cref="ListAsync"/>).</summary>
    public async IAsyncEnumerable<RunSummary> ListAllAsync(RunFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        for (var next = filter; ;)
        {
            var page = await ListAsync(next, cancellationToken);
            foreach (var run in page.Runs)
            {
                yield return run;
            }

            if (page.NextCursor is null)
            {
                yield break;
            }

            next = next with { Cursor = page.NextCursor };
        }
    }

    /// <summary>The runs of a pipeline that are pending or running, newest first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ActiveRunsAsync(string pipelineName, CancellationToken cancellationToken = default)
    {
        var page = await listing.ListInstancesAsync(new InstanceFilter(RunOrchestration, 100)
        {
            Group = pipelineName,
            Outcomes = [.. RunStatuses.Live.Select(s => s.ToString())],
        }, cancellationToken);
        return page.Instances.Where(s => RunIds.IsRun(s.OrchestrationInstance.InstanceId)).Select(Listed).ToList();
    }

    /// <summary>The run's orchestration history, oldest first.</summary>
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string runId, CancellationToken cancellationToken = default)
    {
        await RunStateAsync(runId);
        var json = await client.GetOrchestrationHistoryAsync(runId, executionId: null);
        JArray events;
        try
        {
            events = JArray.Parse(json);
        }
        catch (Newtonsoft.Json.JsonException ex)
        {
            LogUnreadable(ex, runId, "history");
            throw new RunDataException($"The history of run '{runId}' cannot be read: {ex.Message}", ex);
        }

        return events.Select(e => ToHistoryEntry(runId, e)).ToList();
    }

    /// <summary>The run's orchestration state, or a not-found refusal for anything that is not a run.</summary>
    internal async Task<OrchestrationState> RunStateAsync(string runId)
    {
        var state = RunIds.IsRun(runId) ? await client.GetOrchestrationStateAsync(runId, executionId: null) : null;
        return state is not null && state.Name == RunOrchestration
            ? state
            : throw new RunRequestException(RunProblem.NotFound, $"There is no run '{runId}'.");
    }

    /// <summary>The configured pipeline of that name, or a not-found refusal that lists the configured ones.</summary>
    public PipelineDefinition Pipeline(string name) =>
        pipelines.Find(name) ?? throw new RunRequestException(RunProblem.NotFound,
            $"There is no pipeline '{name}'; configured: {string.Join(", ", pipelines.All.Select(p => p.Name))}.");

    async Task<RunPage> QueryAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        var pipeline = filter.Pipeline is { } name ? Pipeline(name) : null;
        var filterKey = FilterKey(filter, pipeline);
        var after = ListingCursor.Decode(filter.Cursor, filterKey);
        var limit = Math.Clamp(filter.Limit, 1, 500);
        // Every filter is served by the store (an index on SQLite), newest first, after the cursor's position; one
        // instance more than the page, whose position says whether a page cut from this one has more (Within).
        var page = await listing.ListInstancesAsync(new InstanceFilter(RunOrchestration, limit + 1)
        {
            Group = pipeline?.Name,
            Outcomes = filter.Status is { } status ? RunStatuses.Outcomes(status) : null,
            CreatedFrom = filter.Since,
            CreatedTo = filter.Until,
            After = after,
        }, cancellationToken);
        var more = page.Instances.Count > limit;
        var instances = more ? page.Instances.Take(limit) : page.Instances;
        var runs = instances.Where(s => RunIds.IsRun(s.OrchestrationInstance.InstanceId)).Select(Listed).ToList();
        var position = more ? Position(page.Instances[limit - 1]) : (ListingPosition?)null;
        return new RunPage(runs, position is { } next ? ListingCursor.Encode(next, filterKey) : null)
        {
            Last = position,
            Following = more ? Position(page.Instances[limit]) : null,
        };
    }

    static ListingPosition Position(OrchestrationState state) => new(state.CreatedTime, state.OrchestrationInstance.InstanceId);

    /// <summary>What a cursor is bound to: the filters that choose the runs (not the page size, which may change between pages).</summary>
    static string FilterKey(RunFilter filter, PipelineDefinition? pipeline) => string.Join('|',
        "runs",
        pipeline?.Name ?? string.Empty,
        filter.Status?.ToString() ?? string.Empty,
        filter.Since?.Ticks.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
        filter.Until?.Ticks.ToString(CultureInfo.InvariantCulture) ?? string.Empty);

    async Task<IReadOnlyList<StepOutcome>> LiveStepsAsync(string runId, IReadOnlyList<StepSummary> steps, List<string> unreadable)
    {
        var outcomes = new List<StepOutcome>();
        foreach (var step in steps)
        {
            var child = step.Attempts > 0 || step.State == StepState.Running
                ? await client.GetOrchestrationStateAsync(RunIds.Step(runId, step.Id), executionId: null)
                : null;
            outcomes.Add(Read<StepOutcome>(runId, $"status of step {step.Id}", child?.Status, unreadable)
                ?? new StepOutcome(step.Id, step.Kind, step.Name, null, step.State, step.StartedAt, step.EndedAt, null, step.ErrorMessage, []));
        }

        return outcomes;
    }

    /// <summary>A run in a listing: the summary kept from an earlier page while its finished row is unchanged, else read now.</summary>
    RunSummary Listed(OrchestrationState state)
    {
        var id = state.OrchestrationInstance.InstanceId;
        if (finished.TryGet(id, out var known) && known.IsReadFrom(state))
        {
            return known.Summary;
        }

        var summary = Summarize(state, null);
        if (summary.Status.IsFinished())
        {
            finished.AddOrUpdate(id, new ListedRun(state.OrchestrationStatus, state.CreatedTime, state.LastUpdatedTime, state.CompletedTime, state.Status, summary));
        }

        return summary;
    }

    /// <summary>The run in brief; <paramref name="unreadable"/> collects a progress that cannot be read (listings only log it).</summary>
    RunSummary Summarize(OrchestrationState state, List<string>? unreadable)
    {
        var id = state.OrchestrationInstance.InstanceId;
        IReadOnlyDictionary<string, string> tags = state.Tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(state.Tags);
        // System.Text.Json first (several times faster); DurableTask's converter for what it cannot read, and to say why.
        var progress = state.Status is { Length: > 0 } json && RunProgressReader.TryRead(json, out var read)
            ? read
            : Read<RunProgress>(id, "progress", state.Status, unreadable);
        var status = RunStatuses.Of(state.OrchestrationStatus, progress);
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
            // An entity whose own clean crawl failed (CleanCrawl: PerEntity) failed too: its data is not visible.
            steps.Where(s => s.Kind is StepKind.EntityJob or StepKind.EntityCleanCrawler && s.State is StepState.Failed or StepState.Stopped).Select(s => s.Name).Distinct().ToList(),
            steps,
            active && deadline is { } limit && Now - state.CreatedTime > limit,
            progress?.Message ?? (state.OrchestrationStatus is OrchestrationStatus.Failed or OrchestrationStatus.Terminated ? state.Output : null),
            progress?.Visibility);
    }

    /// <summary>
    /// A stored payload, or null when there is none. One that cannot be read is logged and named in
    /// <paramref name="unreadable"/> with the reason, never passed over in silence.
    /// </summary>
    T? Read<T>(string runId, string payload, string? json, List<string>? unreadable)
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
        catch (Newtonsoft.Json.JsonException ex)
        {
            LogUnreadable(ex, runId, payload);
            unreadable?.Add($"{payload}: {ex.Message}");
            return null;
        }
    }

    HistoryEntry ToHistoryEntry(string runId, JToken token)
    {
        if (token is not JObject e)
        {
            LogUnreadable(null, runId, $"history event {token.Path}");
            return new HistoryEntry(-1, "Unreadable", default, null, Shorten(token.ToString(Newtonsoft.Json.Formatting.None)));
        }

        var type = e["EventType"] is { Type: JTokenType.Integer } number ? ((DurableTask.Core.History.EventType)number.Value<int>()).ToString() : e["EventType"]?.ToString() ?? "Unknown";
        var detail = (e["FireAt"] ?? e["InstanceId"] ?? e["Reason"] ?? e["Result"] ?? e["Input"])?.ToString();
        var eventId = e["EventId"] is { Type: JTokenType.Integer } id ? id.Value<int>() : -1;
        var timestamp = e["Timestamp"] is { Type: JTokenType.Date } at ? at.Value<DateTime>()
            : DateTime.TryParse(e["Timestamp"]?.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : default;
        return new HistoryEntry(eventId, type, timestamp, e["Name"]?.ToString(), detail is null ? null : Shorten(detail));
    }

    static string Shorten(string text) => text.Length > 300 ? string.Concat(text.AsSpan(0, 300), "…") : text;

    /// <summary>A finished run's summary and the store row it was read from (the row's status text compared whole).</summary>
    sealed record ListedRun(OrchestrationStatus Stored, DateTime CreatedTime, DateTime LastUpdatedTime, DateTime CompletedTime, string? Status, RunSummary Summary)
    {
        public bool IsReadFrom(OrchestrationState state) =>
            state.OrchestrationStatus == Stored && state.CreatedTime == CreatedTime && state.LastUpdatedTime == LastUpdatedTime
            && state.CompletedTime == CompletedTime && string.Equals(state.Status, Status, StringComparison.Ordinal);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The stored {Payload} of run {RunId} cannot be read; it is reported as unreadable")]
    partial void LogUnreadable(Exception? exception, string runId, string payload);
}
