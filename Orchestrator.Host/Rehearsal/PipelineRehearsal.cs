using System.Diagnostics;
using System.Text.Json;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Glue.Faults;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Cli;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Host.Rehearsal;

/// <summary>Starts a serving host with a configuration file at a URL, listening when the task completes.</summary>
public delegate Task<IRehearsalHost> RehearsalHostStarter(string configFile, string url, CancellationToken cancellationToken);

/// <summary>
/// <c>orchestrator rehearse</c>: runs a pipeline several times on a host of its own (its own store and lake under the
/// rehearsal's directory) with Glue faults injected (<see cref="FaultInjectingGlueBackend"/>) and, with crashes, the
/// host killed with SIGKILL at seeded moments and started again; then checks what must hold whatever happened: every
/// run ended, no attempt marker got two Glue runs, and the clean zone holds every raw row exactly once. On the local
/// engine each run first gets a fresh hour-partitioned day of MyStore sample data; against AWS the data is whatever
/// the raw bucket holds, and rows are not compared.
/// </summary>
public static class PipelineRehearsal
{
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Kills land this long after a run started, at most (seeded uniform from <see cref="EarliestKill"/>).</summary>
    static readonly TimeSpan KillWindow = TimeSpan.FromSeconds(3);
    static readonly TimeSpan EarliestKill = TimeSpan.FromMilliseconds(300);

    public static async Task<RehearsalReport> RunAsync(
        RehearsalOptions options, TextWriter progress, CancellationToken cancellationToken, RehearsalHostStarter? startHost = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var (pipeline, local) = ReadPipeline(options);
        var entities = pipeline.Entities.Select(e => (Entity: e.Name,
            Raw: e.Arguments.GetValueOrDefault(GlueArguments.SourceEntity, e.Name),
            Clean: e.Arguments.GetValueOrDefault(GlueArguments.TargetEntity, e.Name))).ToList();
        if (local && entities.FirstOrDefault(e => !SampleDataGenerator.EntityNames.Contains(e.Raw)) is { Entity: { } unknown } missing)
        {
            throw new RehearsalInputException(
                $"Entity '{unknown}' of pipeline '{pipeline.Name}' reads raw '{missing.Raw}': a rehearsal on the local engine writes MyStore sample data ({string.Join(", ", SampleDataGenerator.EntityNames)}) and has none for it.");
        }

        Directory.CreateDirectory(options.WorkDirectory);
        var data = Path.Combine(options.WorkDirectory, "data");
        var journal = Path.Combine(options.WorkDirectory, "glue-calls.jsonl");
        var config = await RehearsalConfig.WriteAsync(options, data, journal, cancellationToken);
        startHost ??= async (file, url, token) => await ServeProcess.StartServingAsync(file, url, token, isolated: true);

        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var crashesByRun = Enumerable.Range(0, options.Runs).Select(_ => new List<TimeSpan>()).ToArray();
        for (var i = 0; i < options.Crashes; i++)
        {
            crashesByRun[random.Next(options.Runs)].Add(EarliestKill + ((KillWindow - EarliestKill) * random.NextDouble()));
        }

        var url = $"http://127.0.0.1:{HostSoak.FreePort()}";
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var rawRows = entities.ToDictionary(e => e.Raw, _ => 0L);
        var runs = new List<RehearsalRun>();
        var kills = new List<RehearsalKill>();
        var notPlaced = 0;
        var host = await startHost(config, url, cancellationToken);
        try
        {
            for (var number = 1; number <= options.Runs; number++)
            {
                if (local)
                {
                    await WriteSampleDataAsync(options, data, number, rawRows, cancellationToken);
                }

                using var accepted = await http.PostAsJsonAsync($"/api/pipelines/{pipeline.Name}/runs", new { reason = $"rehearse {number}/{options.Runs}" }, cancellationToken);
                if (!accepted.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"The host refused run {number}: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync(cancellationToken)}");
                }

                var runId = accepted.Headers.Location!.ToString().Split('/')[^1];
                var started = Stopwatch.StartNew();
                JsonElement run = default;
                var finished = false;
                foreach (var delay in crashesByRun[number - 1].Order())
                {
                    (run, finished) = await PollRunAsync(http, runId, started, delay, cancellationToken);
                    if (finished)
                    {
                        // The run ended before this kill was due: it moves on to the next run.
                        if (number < options.Runs)
                        {
                            crashesByRun[number].Add(delay);
                        }
                        else
                        {
                            notPlaced++;
                        }

                        continue;
                    }

                    var after = started.Elapsed;
                    await host.KillAsync(cancellationToken);
                    await host.DisposeAsync();
                    var restart = Stopwatch.StartNew();
                    host = await startHost(config, url, cancellationToken);
                    kills.Add(new RehearsalKill(kills.Count + 1, number, after, restart.Elapsed));
                    await progress.WriteLineAsync($"  SIGKILL {kills.Count} during run {number}, {after.TotalSeconds:0.0} s after it started; the host listened again {restart.Elapsed.TotalSeconds:0.0} s later");
                }

                if (!finished)
                {
                    (run, finished) = await PollRunAsync(http, runId, started, RunTimeout, cancellationToken);
                }

                var status = run.GetProperty("status").GetString()!;
                runs.Add(new RehearsalRun(number, runId, status, started.Elapsed, HostSoak.Steps(run)));
                var why = runs[^1].Steps.Where(s => s.State is not ("Succeeded" or "Skipped" or "Reused"))
                    .Select(s => $"{s.Id} {s.State}{(s.CountedFailures.Count > 0 ? $": {s.CountedFailures[^1]}" : string.Empty)}");
                await progress.WriteLineAsync($"  run {number}/{options.Runs} {runId}: {status} in {started.Elapsed.TotalSeconds:0.0} s{(status == "Succeeded" ? string.Empty : $" ({string.Join("; ", why)})")}");
            }
        }
        finally
        {
            await host.DisposeAsync();
        }

        var calls = GlueCallJournal.Read(journal);
        var jobRuns = local ? CatalogJobRuns(data, runs) : [];
        var invariants = new List<RehearsalInvariant>
        {
            TerminalInvariant(runs),
            DuplicateStartInvariant(calls, jobRuns),
            local ? RowsInvariant(entities, runs, rawRows, new LakeReader(Path.Combine(data, "lake")))
                : new RehearsalInvariant(RehearsalInvariant.Rows, true, "not checked: on the AWS backend the lake is in S3"),
        };
        return new RehearsalReport(pipeline.Name, options.WorkDirectory, runs, kills, notPlaced, invariants, Count(calls, runs), clock.Elapsed);
    }

    /// <summary>The pipeline as the configuration defines it, and whether it runs on the local engine.</summary>
    static (PipelineDefinition Pipeline, bool Local) ReadPipeline(RehearsalOptions options)
    {
        var errors = new StringWriter();
        using var host = CliHost.Build(options.ConfigFile, withWorker: false, errors)
            ?? throw new RehearsalInputException(errors.ToString().TrimEnd());
        var catalog = host.Services.GetRequiredService<PipelineCatalog>();
        var pipeline = catalog.Find(options.Pipeline)
            ?? throw new RehearsalInputException(
                $"Pipeline '{options.Pipeline}' is not configured; the configured pipelines are: {string.Join(", ", catalog.All.Select(p => p.Name).Order())}.");
        var backend = host.Services.GetRequiredService<IConfiguration>()[$"{GlueSelection.Section}:Backend"] ?? GlueSelection.Local;
        return (pipeline, !string.Equals(backend, GlueSelection.Aws, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A day of sample data per run, each run's day before the last one's, so every run has new raw files.</summary>
    static async Task WriteSampleDataAsync(RehearsalOptions options, string data, int number, Dictionary<string, long> rawRows, CancellationToken cancellationToken)
    {
        var clock = new ShiftedClock(TimeSpan.FromDays(-(number - 1)));
        var written = await new SampleDataGenerator(Path.Combine(data, "lake"), clock).WriteAsync(
            new SampleDataOptions { Rows = options.Rows, Days = 1, Seed = options.Seed + number, Entities = [.. rawRows.Keys.Distinct()] }, cancellationToken);
        foreach (var entity in written)
        {
            rawRows[entity.Entity] += entity.Rows;
        }
    }

    /// <summary>Polls the run until it has finished or <paramref name="until"/> has passed since <paramref name="started"/>.</summary>
    static async Task<(JsonElement Run, bool Finished)> PollRunAsync(HttpClient http, string runId, Stopwatch started, TimeSpan until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", cancellationToken);
            if (Finished(run.GetProperty("status").GetString()))
            {
                return (run, true);
            }

            if (started.Elapsed >= until)
            {
                return (run, false);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, Math.Max(1, (until - started.Elapsed).TotalMilliseconds))), cancellationToken);
        }
    }

    static bool Finished(string? status) => Enum.TryParse<RunStatus>(status, out var parsed) && parsed.IsFinished();

    static List<(string Marker, string Id)> CatalogJobRuns(string data, List<RehearsalRun> runs)
    {
        var observer = new SoakObserver(data, string.Empty, string.Empty);
        return [.. runs.SelectMany(r => observer.JobRuns(r.RunId)).Select(j => (j.Marker, j.Id))];
    }

    static RehearsalInvariant TerminalInvariant(List<RehearsalRun> runs)
    {
        var open = runs.Where(r => !Finished(r.Status)).ToList();
        var statuses = string.Join(", ", runs.GroupBy(r => r.Status).Select(g => $"{g.Key} {g.Count()}"));
        return new RehearsalInvariant(RehearsalInvariant.Terminal, open.Count == 0,
            open.Count == 0
                ? $"{runs.Count} of {runs.Count} ({statuses})"
                : $"{open.Count} of {runs.Count} did not end within {RunTimeout}: {string.Join(", ", open.Select(r => $"{r.RunId} {r.Status}"))}");
    }

    /// <summary>
    /// Glue runs per marker, as the fault journal saw them created (a start that created a run, including one whose
    /// response was then lost) and, on the local engine, as its catalog records them.
    /// </summary>
    static RehearsalInvariant DuplicateStartInvariant(IReadOnlyList<GlueCallRecord> calls, List<(string Marker, string Id)> catalog)
    {
        var created = calls.Where(c => c is { Operation: "StartJobRun", Created: true, Marker: not null, RunId: not null })
            .Select(c => (Marker: c.Marker!, Id: c.RunId!));
        var perMarker = created.Concat(catalog).GroupBy(r => r.Marker)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Id).Distinct().ToList());
        var duplicates = perMarker.Where(m => m.Value.Count > 1).OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        return new RehearsalInvariant(RehearsalInvariant.NoDuplicateStarts, duplicates.Count == 0,
            duplicates.Count == 0
                ? $"{perMarker.Count} markers, one Glue run each"
                : $"{duplicates.Count} of {perMarker.Count} markers have more than one Glue run: " +
                  string.Join("; ", duplicates.Select(d => $"{d.Key} -> {string.Join(", ", d.Value)}")));
    }

    /// <summary>
    /// Every raw row is in the clean zone once (no loss, no duplicate) for an entity whose step succeeded in the last
    /// run; where it failed there (the faults won) the rest waits for the next run, so only duplicates are an error.
    /// </summary>
    static RehearsalInvariant RowsInvariant(
        List<(string Entity, string Raw, string Clean)> entities, List<RehearsalRun> runs, Dictionary<string, long> rawRows, LakeReader lake)
    {
        var last = runs[^1];
        var parts = new List<string>();
        var passed = true;
        foreach (var (entity, raw, clean) in entities)
        {
            var expected = rawRows[raw];
            var actual = lake.CleanRows(clean);
            var settled = last.Steps.Any(s => s.Id == $"job/{entity}" && s.State == "Succeeded");
            var ok = settled ? actual == expected : actual <= expected;
            passed &= ok;
            parts.Add(settled
                ? $"{entity} {actual} {(actual == expected ? "=" : "≠")} {expected}"
                : $"{entity} {actual} of {expected} (its step did not succeed in the last run; {(ok ? "no duplicates" : "more clean rows than raw: duplicates")})");
        }

        return new RehearsalInvariant(RehearsalInvariant.Rows, passed, string.Join(", ", parts));
    }

    static RehearsalCounts Count(IReadOnlyList<GlueCallRecord> calls, List<RehearsalRun> runs)
    {
        var steps = runs.SelectMany(r => r.Steps).Where(s => s.Attempts > 0).ToList();
        var ambiguous = calls.Where(c => c is { Fault: GlueFaults.AmbiguousStart, Created: true, RunId: not null }).ToList();
        // Adopted: the same run id came back later, from a marker search or a start that found it.
        var adopted = ambiguous.Count(a => calls.Any(c => c.At >= a.At && c.RunId == a.RunId && !ReferenceEquals(c, a) &&
            c.Outcome == GlueApiMetrics.SuccessOutcome && c.Operation is "GetJobRuns" or "StartJobRun"));
        return new RehearsalCounts(
            calls.GroupBy(c => c.Operation).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            calls.Where(c => c.Fault is not null).GroupBy(c => c.Fault!).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            steps.Sum(s => s.Attempts),
            steps.Sum(s => s.Attempts - 1),
            steps.Sum(s => s.Interrupted),
            calls.Count(c => c.Operation == "StartJobRun" && c.Outcome != GlueApiMetrics.SuccessOutcome),
            ambiguous.Count,
            adopted);
    }

    /// <summary>The system clock moved by a fixed offset: where sample data lands in time.</summary>
    sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
