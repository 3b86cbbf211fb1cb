using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.Serializing;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Host.Rehearsal;

/// <summary>
/// Fills a SQLite store with finished runs of a pipeline that read exactly like real ones: the same instance ids,
/// orchestration name, tags, custom status (<see cref="RunProgress"/> with its final status), input and output
/// (<see cref="RunResult"/> with every attempt), written with DurableTask's own converter and loaded through the store's
/// <see cref="SqliteOrchestrationService.ImportFinishedAsync"/>. Finished runs keep no step instances (the run purges
/// them), so one instance per run is the whole of it; their history is not written. Runs go back in time from <see cref="RunHistorySeed.Newest"/>, one per schedule slot, with a
/// manual run now and then, a retried attempt now and then, and a few failed runs.
/// </summary>
public static class RunHistorySeeder
{
    // Runs built in parallel before each sequential insert.
    const int Batch = 512;

    static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));
    static readonly DataConverter Json = JsonDataConverter.Default;

    /// <summary>Seeds the store the service uses (its file is created or upgraded first), in one transaction.</summary>
    public static async Task<SeededRunHistory> SeedAsync(SqliteOrchestrationService store, PipelineDefinition pipeline, RunHistorySeed seed)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(seed);
        if (seed.Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed.Count, "RunHistorySeed.Count must be at least 1.");
        }

        if (seed.Interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed.Interval, "RunHistorySeed.Interval must be positive.");
        }

        await store.CreateAsync(recreateInstanceStore: false);
        var tally = new Tally();
        await store.ImportFinishedAsync(Rows(pipeline, seed, tally));
        return new SeededRunHistory(seed.Count, tally.Failed, tally.Manual, tally.Oldest, tally.Newest);
    }

    /// <summary>Seeds the store file at <paramref name="databasePath"/>, creating or upgrading its schema first.</summary>
    public static Task<SeededRunHistory> SeedAsync(string databasePath, PipelineDefinition pipeline, RunHistorySeed seed)
    {
        // The settings' busy timeout lets a running host hold the write lock for a moment.
        return SeedAsync(new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(databasePath)), pipeline, seed);
    }

    static IEnumerable<FinishedInstance> Rows(PipelineDefinition pipeline, RunHistorySeed seed, Tally tally)
    {
        var newestSlot = Floor(seed.Newest, seed.Interval);
        var rows = new Row[Math.Min(seed.Count, Batch)];
        for (var first = 0; first < seed.Count; first += Batch)
        {
            // Serializing is most of the work: rows are built on every core, then written in order. Each run draws
            // from its own seeded Random, so the result does not depend on how the work was spread.
            var count = Math.Min(Batch, seed.Count - first);
            var offset = first;
            Parallel.For(0, count, j => rows[j] = BuildRow(pipeline, seed, newestSlot, offset + j));
            for (var j = 0; j < count; j++)
            {
                var row = rows[j];
                tally.Add(row);
                yield return row.Instance;
            }
        }
    }

    static Row BuildRow(PipelineDefinition pipeline, RunHistorySeed seed, DateTime newestSlot, int i)
    {
        // Not HashCode.Combine: it is salted per process, and the same seed must give the same runs every time.
        var random = new Random(unchecked((seed.RandomSeed * 1_000_003) + i));
        var slot = newestSlot - (seed.Interval * i);
        var isManual = seed.ManualEvery > 0 && i % seed.ManualEvery == seed.ManualEvery - 1;
        // The first failure is recent (the 8th newest run), so it shows among the last runs on the dashboard.
        var fails = seed.FailEvery > 0 && i % seed.FailEvery == Math.Min(7, seed.FailEvery - 1);
        var run = SeededRun(pipeline, slot, isManual, fails, seed.Interval, random);
        var execution = new byte[16];
        random.NextBytes(execution);
        var instance = new FinishedInstance(
            run.RunId, Convert.ToHexStringLower(execution), RunOrchestration, OrchestrationStatus.Completed, run.CreatedAt, run.CompletedAt,
            Json.Serialize(run.Input), Json.Serialize(run.Result),
            Json.Serialize(new RunProgress(run.Result.Steps.Select(StepSummary.Of).ToList(), false, run.Result.Status, run.Result.Message)),
            run.Tags);
        return new Row(instance, fails, isManual);
    }

    static Run SeededRun(PipelineDefinition pipeline, DateTime slot, bool isManual, bool fails, TimeSpan interval, Random random)
    {
        // A manual run falls between two slots; a scheduled one starts a moment after its slot.
        var created = isManual ? slot + (interval / 2) : slot + TimeSpan.FromMilliseconds(random.Next(50, 900));
        var runId = isManual ? RunIds.Unscheduled(pipeline.Name, "manual", created, random) : RunIds.Scheduled(pipeline.Name, slot);
        var kind = isManual ? RunKind.Manual : RunKind.Scheduled;
        var input = new PipelineRunInput(pipeline, kind, created - TimeSpan.FromMilliseconds(random.Next(1, 50)),
            ScheduledSlot: isManual ? null : slot, Reason: isManual ? "backfill after a late upload" : null);

        var steps = new List<StepOutcome>();
        var at = created + TimeSpan.FromMilliseconds(random.Next(100, 400));
        if (pipeline.RawCrawler is { } raw)
        {
            var crawl = Crawl(StepIds.RawCrawler, StepKind.RawCrawler, raw, at, random);
            steps.Add(crawl);
            at = crawl.EndedAt!.Value;
        }

        var failing = fails ? pipeline.Entities[random.Next(pipeline.Entities.Count)].Name : null;
        var retried = !fails && random.Next(25) == 0 ? pipeline.Entities[random.Next(pipeline.Entities.Count)].Name : null;
        var jobs = pipeline.Entities.Select(e => Job(e, at, e.Name == failing, e.Name == retried, random)).ToList();
        steps.AddRange(jobs);
        at = jobs.Count == 0 ? at : jobs.Max(j => j.EndedAt!.Value);

        if (pipeline.CleanCrawler is { } clean)
        {
            var allowed = pipeline.CleanCrawlerWhen == CleanCrawlerCondition.AllSucceeded ? jobs.All(j => j.Succeeded) : jobs.Count == 0 || jobs.Any(j => j.Succeeded);
            var crawl = allowed
                ? Crawl(StepIds.CleanCrawler, StepKind.CleanCrawler, clean, at, random)
                : StepOutcome.Pending(StepIds.CleanCrawler, StepKind.CleanCrawler, clean, clean) with { State = StepState.Skipped, ErrorMessage = "not run: an earlier step did not succeed" };
            steps.Add(crawl);
            at = crawl.EndedAt ?? at;
        }

        var status = steps.All(s => s.Succeeded) ? RunStatus.Succeeded : RunStatus.Failed;
        var message = status == RunStatus.Failed
            ? string.Join("; ", steps.Where(s => s.State == StepState.Failed).Select(s => $"{s.Name}: {s.ErrorClass} {s.ErrorMessage}"))
            : null;
        var tags = new Dictionary<string, string> { ["pipeline"] = pipeline.Name, ["kind"] = kind.ToString() };
        if (!isManual)
        {
            tags["slot"] = slot.ToString("O", CultureInfo.InvariantCulture);
        }

        return new Run(runId, created, at + TimeSpan.FromMilliseconds(random.Next(20, 200)), input, new RunResult(status, steps, pipeline.Hash, message), tags);
    }

    static StepOutcome Crawl(string id, StepKind kind, string crawler, DateTime start, Random random)
    {
        var attemptStart = start + TimeSpan.FromMilliseconds(random.Next(50, 300));
        var end = attemptStart + TimeSpan.FromSeconds(random.Next(40, 110));
        return new StepOutcome(id, kind, crawler, crawler, StepState.Succeeded, start, end, null, null,
            [new AttemptRecord(1, null, "SUCCEEDED", attemptStart, end, null, null)]);
    }

    static StepOutcome Job(EntityDefinition entity, DateTime start, bool fails, bool retried, Random random)
    {
        var attempts = new List<AttemptRecord>();
        var count = fails ? entity.Retry.MaxAttempts : retried ? 2 : 1;
        var at = start + TimeSpan.FromMilliseconds(random.Next(20, 400));
        var partitionKey = entity.Arguments.GetValueOrDefault("--partition_key", "ingest_date");
        for (var number = 1; number <= count; number++)
        {
            var ok = !fails && number == count;
            var seconds = random.Next(ok ? 60 : 20, ok ? 240 : 90);
            var end = at + TimeSpan.FromSeconds(seconds);
            var rows = random.Next(800, 12_000);
            var details = ok
                ? new JobRunDetails(rows, rows, [$"{partitionKey}={end:yyyy-MM-dd}"], [$"{partitionKey}={end.AddDays(-1):yyyy-MM-dd}"],
                    new Dictionary<string, long>(), 0, random.Next(1, 8))
                : null;
            attempts.Add(new AttemptRecord(number, GlueRunId(random), ok ? "SUCCEEDED" : "FAILED", at, end,
                ok ? null : "FAILED", ok ? null : $"AnalysisException: Path does not exist: s3://mystore-raw/{entity.Name}/ingest_date={end:yyyy-MM-dd}/",
                seconds, ok ? seconds * 2.0 : null, details));
            // The retry policy's back-off before the next attempt.
            at = end + TimeSpan.FromSeconds(random.Next(30, 90));
        }

        var last = attempts[^1];
        return new StepOutcome(StepIds.Entity(entity.Name), StepKind.EntityJob, entity.Name, entity.Job,
            fails ? StepState.Failed : StepState.Succeeded, start, last.EndedAt, last.ErrorClass, last.ErrorMessage, attempts);
    }

    static string GlueRunId(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        random.NextBytes(bytes);
        return "jr_" + Convert.ToHexStringLower(bytes);
    }

    static DateTime Floor(DateTime time, TimeSpan interval)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
        return new DateTime(utc.Ticks - (utc.Ticks % interval.Ticks), DateTimeKind.Utc);
    }

    sealed record Row(FinishedInstance Instance, bool Failed, bool Manual);

    sealed class Tally
    {
        public int Failed { get; private set; }

        public int Manual { get; private set; }

        public DateTime Oldest { get; private set; } = DateTime.MaxValue;

        public DateTime Newest { get; private set; } = DateTime.MinValue;

        public void Add(Row row)
        {
            var created = row.Instance.CreatedTime;
            Failed += row.Failed ? 1 : 0;
            Manual += row.Manual ? 1 : 0;
            Oldest = created < Oldest ? created : Oldest;
            Newest = created > Newest ? created : Newest;
        }
    }

    sealed record Run(string RunId, DateTime CreatedAt, DateTime CompletedAt, PipelineRunInput Input, RunResult Result, Dictionary<string, string> Tags);
}
