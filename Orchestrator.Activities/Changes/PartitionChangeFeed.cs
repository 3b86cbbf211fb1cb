using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Storage.Journals;

namespace Orchestrator.Activities.Changes;

/// <summary>Which changes to read: any of pipeline, entity and run, after a cursor; <see cref="Limit"/> 1 to 1000.</summary>
public sealed record ChangeFilter(string? Pipeline = null, string? Entity = null, string? RunId = null, string? After = null, int Limit = 100);

/// <summary>
/// A page of the feed in commit order. <see cref="NextCursor"/> is always given: reading after it returns what was
/// committed since, so a follower polls with the last cursor it got.
/// </summary>
public sealed record ChangePage(IReadOnlyList<PartitionChange> Changes, string NextCursor, bool HasMore);

/// <summary>
/// The partition change feed over the store's journal (stream <see cref="Stream"/>, scope pipeline, subscope entity,
/// correlation run id). Recording is idempotent per Glue run and partition, so an activity that runs twice (a crash
/// before its result was checkpointed) never doubles a change. Reads resume exactly after an opaque cursor bound to
/// the filters that produced it.
/// </summary>
public sealed class PartitionChangeFeed(IJournal journal, PipelineCatalog pipelines)
{
    public const string Stream = "partition-changes";

    /// <summary>The query parameter a cursor travels in, named in every refusal.</summary>
    public const string AfterParameter = "after";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Records the changes in their order; returns how many were new (0 when this run's were recorded before).</summary>
    public Task<int> RecordAsync(IReadOnlyList<PartitionChange> changes, CancellationToken cancellationToken) =>
        journal.AppendAsync(
            changes.Select(c => new JournalAppend(Stream, $"{c.GlueRunId}|{c.Partition}", c.Pipeline, c.Entity, c.RunId, JsonSerializer.Serialize(c with { Sequence = 0 }, Json), c.RecordedAt)).ToList(),
            cancellationToken);

    /// <summary>Changes after the filter's cursor; refuses an unknown pipeline or entity (404) and a cursor it did not issue for these filters (400).</summary>
    public async Task<ChangePage> ReadAsync(ChangeFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var pipeline = filter.Pipeline is { } name
            ? pipelines.Find(name) ?? throw new RunRequestException(RunProblem.NotFound,
                $"There is no pipeline '{name}'; configured: {string.Join(", ", pipelines.All.Select(p => p.Name))}.", "pipeline")
            : null;
        var entity = filter.Entity is { } entityName ? Entity(pipeline, entityName) : null;
        var key = string.Join('|', "changes", pipeline?.Name, entity, filter.RunId);
        var after = 0L;
        if (ListingCursor.DecodeFields(filter.After, key, 1, AfterParameter) is [var text])
        {
            after = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                ? sequence
                : throw new RunRequestException(RunProblem.Invalid, "The cursor is not one this API returned; start again without it.", AfterParameter);
        }

        var page = await journal.ReadAsync(
            new JournalQuery(Stream, after, Math.Clamp(filter.Limit, 1, JournalQuery.MaxLimit)) { Scope = pipeline?.Name, Subscope = entity, Correlation = filter.RunId },
            cancellationToken);
        var changes = page.Entries.Select(Read).ToList();
        return new ChangePage(changes, ListingCursor.EncodeFields(key, page.NextAfter(after).ToString(CultureInfo.InvariantCulture)), page.HasMore);
    }

    /// <summary>Deletes changes recorded before <paramref name="recordedBefore"/> (the feed's own retention).</summary>
    public Task<int> PurgeAsync(DateTime recordedBefore, CancellationToken cancellationToken) =>
        journal.PurgeAsync(Stream, recordedBefore, cancellationToken);

    string Entity(PipelineDefinition? pipeline, string name)
    {
        if (pipeline is not null)
        {
            return pipeline.FindEntity(name)?.Name ?? throw new RunRequestException(RunProblem.NotFound,
                $"Pipeline '{pipeline.Name}' has no entity '{name}'; its entities: {string.Join(", ", pipeline.Entities.Select(e => e.Name))}.", "entity");
        }

        return pipelines.All.Select(p => p.FindEntity(name)).OfType<EntityDefinition>().FirstOrDefault()?.Name ?? throw new RunRequestException(RunProblem.NotFound,
            $"No pipeline has an entity '{name}'; entities: {string.Join(", ", pipelines.All.SelectMany(p => p.Entities.Select(e => e.Name)).Distinct(StringComparer.Ordinal))}.", "entity");
    }

    static PartitionChange Read(JournalEntry entry)
    {
        try
        {
            return (JsonSerializer.Deserialize<PartitionChange>(entry.Body, Json) ?? throw new JsonException("the body is null")) with { Sequence = entry.Sequence, RecordedAt = entry.RecordedAt };
        }
        catch (JsonException ex)
        {
            throw new RunDataException($"Change {entry.Sequence} of the partition change feed cannot be read: {ex.Message}", ex);
        }
    }
}
