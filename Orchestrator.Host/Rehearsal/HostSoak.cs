using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Glue.Local;

namespace Orchestrator.Host.Rehearsal;

/// <summary>
/// How a soak runs: the phase each SIGKILL aims at, in order (<see cref="HostSoak.Across"/> spreads them over a run's
/// life), the seed that places each kill inside its phase, and the sample data.
/// </summary>
public sealed record SoakOptions(IReadOnlyList<SoakPhase> Targets, int Seed, string WorkDirectory, int Rows = 300, int Days = 2);

/// <summary>
/// One SIGKILL: the phase it aimed at and the one it hit, the seeded wait after the phase was seen, how long the
/// new process took to attach its worker to the store (<see cref="Boot"/>), and how long after that the run moved
/// on (<see cref="Recovery"/>, from the run's own history; null if it did not within a minute).
/// </summary>
public sealed record SoakKill(int Number, SoakPhase Target, SoakPhase Hit, TimeSpan Delay, TimeSpan Boot, TimeSpan? Recovery);

/// <summary>A step as the run reports it: its final state, attempts, interrupted attempts, and failed attempts that count.</summary>
public sealed record SoakStep(string Id, string State, int Attempts, int Interrupted, IReadOnlyList<string> CountedFailures);

/// <summary>What a soak found: the run's end, every kill, the steps, job runs per attempt marker, and rows.</summary>
public sealed record SoakReport(
    string RunId,
    string Status,
    IReadOnlyList<SoakKill> Kills,
    IReadOnlyList<SoakStep> Steps,
    IReadOnlyDictionary<string, int> JobRunsPerMarker,
    IReadOnlyDictionary<string, (long Raw, long Clean)> Rows,
    int EngineRestarts,
    TimeSpan Duration);

/// <summary>
/// Kills <c>orchestrator serve</c> with SIGKILL at seeded random moments across one run's life on the embedded
/// default (SQLite store, local Glue engine, sample data) and starts it again each time: raw crawl, fan-out, commit
/// window, clean crawl. Crawls and jobs are slowed by the local engine's rehearsal settings so each phase lasts long
/// enough to be hit. The in-tree test runs it with 10 kills, the <c>soak</c> benchmark with 50 or more.
/// </summary>
public static class HostSoak
{
    public const string Pipeline = "data-preparation";
    const string RawCrawler = "mystore-raw-crawler";
    const string CleanCrawler = "mystore-clean-crawler";
    static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(3);

    public static async Task<SoakReport> RunAsync(SoakOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var data = Path.Combine(options.WorkDirectory, "data");
        var config = await WriteConfigAsync(options.WorkDirectory, data, cancellationToken);
        var samples = await new SampleDataGenerator(Path.Combine(data, "lake"), TimeProvider.System)
            .WriteAsync(new SampleDataOptions { Rows = options.Rows, Days = options.Days, Seed = options.Seed }, cancellationToken);
        var observer = new SoakObserver(data, RawCrawler, CleanCrawler);
        var url = $"http://127.0.0.1:{FreePort()}";
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        var host = await StartAsync(config, url, cancellationToken);
        try
        {
            using var accepted = await http.PostAsJsonAsync($"/api/pipelines/{Pipeline}/runs", new { reason = "soak" }, cancellationToken);
            accepted.EnsureSuccessStatusCode();
            var runId = accepted.Headers.Location!.ToString().Split('/')[^1];
            var created = DateTime.UtcNow;
            var kills = new List<SoakKill>();
            foreach (var planned in options.Targets)
            {
                var target = await WaitForPhaseAsync(observer, runId, created, planned, host, cancellationToken);
                if (target == SoakPhase.Finished)
                {
                    break;
                }

                var delay = TimeSpan.FromMilliseconds(Math.Round(random.NextDouble() * MaxDelay(target).TotalMilliseconds));
                await Task.Delay(delay, cancellationToken);
                var hit = observer.PhaseOf(runId);
                if (hit == SoakPhase.Finished)
                {
                    break;
                }

                await host.KillAsync(cancellationToken);
                host.Dispose();
                host = await StartAsync(config, url, cancellationToken);
                var workerStarted = await UntilAsync(() => observer.WorkerStarted(host.Id), TimeSpan.FromMinutes(1), cancellationToken)
                    ?? throw new TimeoutException($"The restarted host's worker did not attach to the store:\n{host.Output}");
                var progressed = await UntilAsync(() => observer.FirstEventAfter(runId, workerStarted), TimeSpan.FromMinutes(1), cancellationToken);
                kills.Add(new SoakKill(kills.Count + 1, target, hit, delay, workerStarted - host.StartedAt, progressed - workerStarted));
            }

            var run = await UntilFinishedAsync(http, runId, cancellationToken);
            var markers = observer.JobRuns(runId).GroupBy(j => j.Marker).ToDictionary(g => g.Key, g => g.Count());
            var lake = new LakeReader(Path.Combine(data, "lake"));
            var rows = samples.ToDictionary(s => s.Entity, s => (s.Rows, lake.CleanRows(s.Entity)));
            return new SoakReport(runId, run.GetProperty("status").GetString()!, kills, Steps(run), markers, rows,
                observer.Restarts(), clock.Elapsed);
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>
    /// <paramref name="kills"/> targets in the order of a run's life: a fifth in the raw crawl, three tenths in the
    /// fan-out, a fifth in commit windows, the rest in the clean crawl.
    /// </summary>
    public static IReadOnlyList<SoakPhase> Across(int kills)
    {
        var raw = kills / 5;
        var fanOut = kills * 3 / 10;
        var commit = kills / 5;
        return
        [
            .. Enumerable.Repeat(SoakPhase.RawCrawl, raw),
            .. Enumerable.Repeat(SoakPhase.FanOut, fanOut),
            .. Enumerable.Repeat(SoakPhase.CommitWindow, commit),
            .. Enumerable.Repeat(SoakPhase.CleanCrawl, kills - raw - fanOut - commit),
        ];
    }

    /// <summary>The longest seeded wait after a phase is seen: inside the rehearsal delays that make it last.</summary>
    static TimeSpan MaxDelay(SoakPhase phase) => phase == SoakPhase.CommitWindow ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Waits until the run is in <paramref name="target"/>; when the run has gone past it (no commit window left,
    /// say), the phase it is in now becomes the target. Finished when the run ended first.
    /// </summary>
    static async Task<SoakPhase> WaitForPhaseAsync(SoakObserver observer, string runId, DateTime created, SoakPhase target, ServeProcess host, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + PhaseTimeout;
        while (true)
        {
            var now = observer.PhaseOf(runId);
            if (now == target || now == SoakPhase.Finished)
            {
                return now;
            }

            var reached = observer.ReachedOf(runId, created);
            var beyond = target == SoakPhase.CommitWindow ? reached > SoakPhase.FanOut : reached > target;
            if (beyond && now != SoakPhase.Between)
            {
                return now;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} did not reach {target} (it is {now}):\n{host.Output}");
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    static Task<ServeProcess> StartAsync(string config, string url, CancellationToken cancellationToken) =>
        ServeProcess.StartServingAsync(config, url, cancellationToken);

    static async Task<T?> UntilAsync<T>(Func<T?> probe, TimeSpan timeout, CancellationToken cancellationToken)
        where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(20, cancellationToken);
        }

        return null;
    }

    static async Task<JsonElement> UntilFinishedAsync(HttpClient http, string runId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", cancellationToken);
            if (run.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Terminated")
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} is still {run.GetProperty("status").GetString()} after five minutes.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    internal static List<SoakStep> Steps(JsonElement run) =>
        run.GetProperty("steps").EnumerateArray().Select(step =>
        {
            var attempts = step.GetProperty("attempts").EnumerateArray().ToList();
            var interrupted = attempts.Count(a => a.TryGetProperty("interrupted", out var flag) && flag.GetBoolean());
            // An attempt counts against MaxAttempts when it failed and was not interrupted by a host going away.
            var failures = attempts
                .Where(a => !(a.TryGetProperty("interrupted", out var flag) && flag.GetBoolean()))
                .Where(a => a.TryGetProperty("errorClass", out var error) && error.ValueKind == JsonValueKind.String)
                .Select(a => $"#{a.GetProperty("number").GetInt32()} {a.GetProperty("state").GetString()}: {(a.TryGetProperty("errorMessage", out var message) ? message.GetString() : null)}")
                .ToList();
            return new SoakStep(step.GetProperty("id").GetString()!, step.GetProperty("state").GetString()!, attempts.Count, interrupted, failures);
        }).ToList();

    static async Task<string> WriteConfigAsync(string directory, string data, CancellationToken cancellationToken)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), cancellationToken))!.AsObject();
        var orchestrator = config["Orchestrator"]!.AsObject();
        orchestrator["DataDirectory"] = data;
        orchestrator["Retention"]!["Days"] = 3650;
        var local = orchestrator["Glue"]!["Local"]!;
        local["SeedSampleData"] = false;
        foreach (var crawler in new[] { RawCrawler, CleanCrawler })
        {
            // Each crawl, resumed ones included, stays RUNNING this long before it works: a phase a kill can hit,
            // with room for the seeded wait after a restarted host has been seen to make progress.
            local["Crawlers"]![crawler]!["RehearseDelay"] = "00:00:04";
        }

        var pipeline = orchestrator["Pipelines"]![Pipeline]!.AsObject();
        pipeline.Remove("Schedule");
        pipeline["RunOnStartup"] = false;
        pipeline["MaxParallelJobs"] = 3;
        pipeline["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:00.200", ["MaxDelay"] = "00:00:01" };
        pipeline["Retry"] = new JsonObject { ["MaxAttempts"] = 3, ["FirstDelay"] = "00:00:00.200", ["MaxDelay"] = "00:00:01" };
        foreach (var (_, entity) in pipeline["Entities"]!.AsObject())
        {
            entity!["Arguments"]!["--rehearse_delay_seconds"] = "4";
            entity["Arguments"]!["--rehearse_commit_pause_seconds"] = "0.5";
        }

        config["Serilog"]!["MinimumLevel"]!["Default"] = "Warning";
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "appsettings.json");
        await File.WriteAllTextAsync(path, config.ToJsonString(), cancellationToken);
        return path;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
