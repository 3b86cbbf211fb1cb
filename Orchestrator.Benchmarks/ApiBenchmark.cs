using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The REST API under load: the real host binary in its own process over a store of seeded runs (100,000 by default,
/// in two pipelines), and 200 concurrent clients listing runs from this process, the first page under each filter
/// in turn. Also the host's resident memory when idle. <c>--baseline DIR</c> first runs the same verb from another
/// build's output folder (an older commit, which seeds and serves the store its own way) and prints both side by side.
/// </summary>
static class ApiBenchmark
{
    /// <summary>The second pipeline: fewer runs, and a name that the first one's is a prefix of.</summary>
    const string Other = "data-preparation-eu";

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Option(args, "--runs", 100_000);
        var clients = Option(args, "--clients", 200);
        var seconds = Option(args, "--seconds", 10);
        var baseline = Text(args, "--baseline");
        var json = Text(args, "--json");
        Dictionary<string, Figures>? before = null;
        if (baseline is not null)
        {
            before = await RunBaselineAsync(baseline, runs, clients, seconds);
        }

        var directory = Directory.CreateTempSubdirectory("orchestrator-api-bench-");
        var after = new Dictionary<string, Figures>();
        try
        {
            var config = await WriteConfigAsync(directory.FullName);
            var store = Path.Combine(directory.FullName, "data", "orchestrator.db");
            var newest = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            // Nine in ten runs are the shipped pipeline's, one in ten the other's, all in one 30-minute rhythm.
            var seeded = await RunHistorySeeder.SeedAsync(store, Pipeline(), new RunHistorySeed(runs - (runs / 10), newest, TimeSpan.FromMinutes(30)));
            var others = await RunHistorySeeder.SeedAsync(store, Pipeline() with { Name = Other }, new RunHistorySeed(runs / 10, newest.AddMinutes(-7), TimeSpan.FromMinutes(300), RandomSeed: 7));
            Console.WriteLine(Invariant($"seeded {seeded.Runs + others.Runs} runs ({seeded.Failed + others.Failed} failed) in {clock.Elapsed.TotalSeconds:F1} s"));

            var url = $"http://127.0.0.1:{FreePort()}";
            using var host = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "orchestrator"), ["serve", "--config", config, "--urls", url])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            host.OutputDataReceived += (_, _) => { };
            host.ErrorDataReceived += (_, _) => { };
            host.BeginOutputReadLine();
            host.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(url) };
                await WaitForHealthAsync(http);
                await Task.Delay(TimeSpan.FromSeconds(10));
                Console.WriteLine(Invariant($"idle host resident memory (VmRSS after 10 s idle): {Memory(host.Id, "VmRSS"):F0} MB"));

                foreach (var (name, path) in Listings(newest))
                {
                    for (var i = 0; i < 20; i++)
                    {
                        (await http.GetAsync(path)).EnsureSuccessStatusCode();
                    }

                    var latencies = await LoadAsync(http, path, clients, TimeSpan.FromSeconds(seconds));
                    after[name] = Report($"GET {path}, {clients} concurrent clients, {seconds} s", latencies, seconds);
                }

                var pipelines = await LoadAsync(http, "/api/pipelines", clients, TimeSpan.FromSeconds(seconds / 2));
                Report($"GET /api/pipelines, {clients} concurrent clients, {seconds / 2} s", pipelines, seconds / 2);
                Console.WriteLine(Invariant($"host peak resident memory (VmHWM): {Memory(host.Id, "VmHWM"):F0} MB"));
            }
            finally
            {
                host.Kill(entireProcessTree: true);
                await host.WaitForExitAsync();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(after));
        }

        if (before is not null)
        {
            PrintComparison(before, after, runs, clients);
        }

        return 0;
    }

    /// <summary>The first page (50 runs) under each filter the dashboard offers, newest first.</summary>
    static (string Name, string Path)[] Listings(DateTime newest)
    {
        var since = Uri.EscapeDataString((newest - TimeSpan.FromDays(60)).ToString("O", CultureInfo.InvariantCulture));
        var until = Uri.EscapeDataString((newest - TimeSpan.FromDays(30)).ToString("O", CultureInfo.InvariantCulture));
        return
        [
            ("none", "/api/runs?limit=50"),
            ("status=Failed", "/api/runs?status=Failed&limit=50"),
            ("status=Succeeded", "/api/runs?status=Succeeded&limit=50"),
            ("pipeline", $"/api/runs?pipeline={Other}&limit=50"),
            ("pipeline+status=Failed", $"/api/runs?pipeline={Other}&status=Failed&limit=50"),
            ("time range (30 days, a month back)", $"/api/runs?since={since}&until={until}&limit=50"),
        ];
    }

    /// <summary>The same verb from another build, in its own process before this one's, so the two never share the cores.</summary>
    static async Task<Dictionary<string, Figures>> RunBaselineAsync(string folder, int runs, int clients, int seconds)
    {
        var results = Path.Combine(Path.GetTempPath(), $"orchestrator-api-baseline-{Guid.NewGuid():N}.json");
        var arguments = new[] { "api", "--runs", Invariant($"{runs}"), "--clients", Invariant($"{clients}"), "--seconds", Invariant($"{seconds}"), "--json", results };
        Console.WriteLine($"baseline: {folder}");
        using var baseline = Process.Start(new ProcessStartInfo(Path.Combine(Path.GetFullPath(folder), "Orchestrator.Benchmarks"), arguments))!;
        await baseline.WaitForExitAsync();
        if (baseline.ExitCode != 0 || !File.Exists(results))
        {
            throw new InvalidOperationException($"The baseline benchmark in '{folder}' exited with {baseline.ExitCode} and wrote no figures.");
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, Figures>>(await File.ReadAllTextAsync(results))!;
        }
        finally
        {
            File.Delete(results);
        }
    }

    static void PrintComparison(Dictionary<string, Figures> before, Dictionary<string, Figures> after, int runs, int clients)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"first page of GET /api/runs, {runs:N0} runs, {clients} clients: before (baseline) and after (this build)"));
        Console.WriteLine("| Filter | Before p95 | After p95 | Before ÷ after | Before req/s | After req/s | Target p95 < 50 ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (name, figures) in after)
        {
            var old = before.GetValueOrDefault(name);
            Console.WriteLine(Invariant(
                $"| {name} | {(old is null ? "-" : $"{old.P95:F1} ms")} | {figures.P95:F1} ms | {(old is null ? "-" : $"{old.P95 / figures.P95:F1}")} | {(old is null ? "-" : $"{old.PerSecond:F0}")} | {figures.PerSecond:F0} | {(figures.P95 < 50 ? "met" : "missed")} |"));
        }
    }

    static async Task<List<double>> LoadAsync(HttpClient http, string path, int clients, TimeSpan duration)
    {
        var latencies = new List<double>();
        var stop = Stopwatch.StartNew();
        var errors = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<double>();
            while (stop.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        if (errors > 0)
        {
            Console.WriteLine($"  {errors} requests failed");
        }

        return latencies;
    }

    static Figures Report(string title, List<double> latencies, int seconds)
    {
        latencies.Sort();
        var figures = new Figures(latencies.Count / (double)seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99));
        Console.WriteLine(title);
        Console.WriteLine(Invariant($"  {latencies.Count} requests, {figures.PerSecond:F0}/s; p50 {figures.P50:F1} ms, p95 {figures.P95:F1} ms, p99 {figures.P99:F1} ms, max {latencies[^1]:F1} ms"));
        return figures;
    }

    static async Task<string> WriteConfigAsync(string directory)
    {
        var shipped = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "appsettings.json")))!.AsObject();
        var orchestrator = shipped["Orchestrator"]!.AsObject();
        orchestrator["DataDirectory"] = Path.Combine(directory, "data");
        orchestrator["Glue"]!["Local"]!["SeedSampleData"] = false;
        var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
        pipeline.Remove("Schedule");
        pipeline["RunOnStartup"] = false;
        orchestrator["Pipelines"]![Other] = pipeline.DeepClone();
        // The seeded runs go back years: retention must not purge them while the clients read.
        orchestrator["Retention"]!["Days"] = 36500;
        shipped["Serilog"]!["MinimumLevel"]!["Default"] = "Warning";
        var path = Path.Combine(directory, "appsettings.json");
        await File.WriteAllTextAsync(path, shipped.ToJsonString());
        return path;
    }

    /// <summary>The shipped data-preparation pipeline, as the seeded runs name it.</summary>
    internal static PipelineDefinition Pipeline()
    {
        var entities = new[] { "customer", "customer_address", "sales" }
            .Select(e => new EntityDefinition(e, "mystore-data-preparation-parquet", new Dictionary<string, string> { ["--source_entity_name"] = e }, RetryPolicy.Default, TimeSpan.FromHours(2)))
            .ToList();
        return new PipelineDefinition("data-preparation", new PipelineSchedule("*/30 * * * *", "UTC"), OverlapPolicy.Skip, true, "mystore-raw-crawler", "mystore-clean-crawler",
            CleanCrawlerCondition.AllSucceeded, 8, new PollPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 1.5), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(27), entities);
    }

    static async Task WaitForHealthAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
            }

            await Task.Delay(200);
        }
    }

    static double Memory(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    static string? Text(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    sealed record Figures(double PerSecond, double P50, double P95, double P99);
}
