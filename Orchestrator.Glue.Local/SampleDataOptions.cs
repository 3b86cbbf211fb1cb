namespace Orchestrator.Glue.Local;

/// <summary>How much MyStore sample data to write: rows per entity, spread over the last <see cref="Days"/> days.</summary>
public sealed record SampleDataOptions
{
    public int Rows { get; init; } = 10_000;

    public int Days { get; init; } = 7;

    public int Seed { get; init; } = 42;

    /// <summary>Which of <see cref="SampleDataGenerator.EntityNames"/> to write; all by default.</summary>
    public IReadOnlyList<string> Entities { get; init; } = SampleDataGenerator.EntityNames;
}

/// <summary>What sample data was written for one entity.</summary>
public sealed record SampleEntitySummary(
    string Entity,
    long Rows,
    int FilesWritten,
    int FilesSkipped,
    long LateEvents,
    long UnparseableTimestamps);
