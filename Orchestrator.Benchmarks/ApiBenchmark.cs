using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The REST API under load: the real host binary in its own process over a store of seeded runs (100,000 by default,
/// in two pipelines), and 200 concurrent clients listing runs from this process, the first page under each filter
/// the dashboard offers. Each filter is measured twice: every client asking for the same page (what a room of
/// dashboards does; identical listings share one store query a second) and every request its own listing (a unique
/// <c>until</c>, so each one is a store query). Also the host's CPU per request and its resident memory.
/// <c>--baseline DIR</c> names another build's output folder (an older commit with this verb): its benchmark seeds a
/// store its own way (<c>--prepare</c>), its host serves it beside this build's, and every measurement alternates
/// between the two hosts, so both see the same machine; the table gives both and the ratio.
/// </summary>
static class ApiBenchmark
{
    /// <summary>The second pipeline: fewer runs, and a name that the first one's is a prefix of.</summary>
    const string Other = "data-preparation-eu";

    /// <summary>Each client's buffer for reading bodies.</summary>
    const int BodyBuffer = 16 * 1024;

    /// <summary>How long a client waits for a page before counting it failed.</summary>
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Option(args, "--runs", 100_000);
        var clients = Option(args, "--clients", 200);
        var seconds = Option(args, "--seconds", 10);
        var rounds = Option(args, "--rounds", 2);
        var baseline = Text(args, "--baseline");
        var newest = DateTime.UtcNow;
        if (Text(args, "--prepare") is { } prepare)
        {
            await PrepareAsync(prepare, runs, newest);
            return 0;
        }

        using var directories = new Directories();
        var hosts = new List<Host>();
        try
        {
            if (baseline is not null)
            {
                var folder = Path.GetFullPath(baseline);
                var prepared = directories.Create();
                var arguments = new[] { "api", "--prepare", prepared, "--runs", Invariant($"{runs}") };
                using var child = Process.Start(new ProcessStartInfo(Path.Combine(folder, "Orchestrator.Benchmarks"), arguments))!;
                await child.WaitForExitAsync();
                if (child.ExitCode != 0)
                {
                    throw new InvalidOperationException($"The baseline benchmark in '{folder}' could not prepare its store (exit {child.ExitCode}).");
                }

                hosts.Add(Host.Start("before", folder, prepared, clients));
            }

            var mine = directories.Create();
            await PrepareAsync(mine, runs, newest);
            hosts.Add(Host.Start(baseline is null ? "this build" : "after", AppContext.BaseDirectory, mine, clients));
            foreach (var host in hosts)
            {
                await host.WaitForHealthAsync();
            }

            await Task.Delay(TimeSpan.FromSeconds(10));
            foreach (var host in hosts)
            {
                Console.WriteLine(Invariant($"{host.Name}: idle host resident memory (VmRSS after 10 s idle): {host.Memory("VmRSS"):F0} MB"));
            }

            var figures = new Dictionary<(string Host, string Listing), Measured>();
            foreach (var listing in Listings(newest))
            {
                foreach (var host in hosts)
                {
                    // A few requests first, at most 30 s of them: a listing that scans may take that long alone.
                    var warming = Stopwatch.StartNew();
                    for (var i = 0; i < 5 && warming.Elapsed < TimeSpan.FromSeconds(30); i++)
                    {
                        await GetAsync(host.Http, listing.Path(-i), new byte[BodyBuffer]);
                    }
                }

                // Alternate which host goes first, so neither always meets the other's leftovers.
                for (var round = 0; round < rounds; round++)
                {
                    foreach (var host in round % 2 == 0 ? hosts : Enumerable.Reverse(hosts))
                    {
                        var cpu = host.ProcessorTime();
                        var (latencies, failed) = await LoadAsync(host.Http, listing.Path, clients, TimeSpan.FromSeconds(seconds));
                        var used = host.ProcessorTime() - cpu;
                        Report($"{host.Name}: GET {listing.Path(0)}{(listing.Shared ? string.Empty : " (each request its own query: its own until, or for a range its own since)")}, {clients} clients, {seconds} s", latencies, seconds);
                        Console.WriteLine(Invariant($"  host CPU {used.TotalMilliseconds / Math.Max(1, latencies.Count):F2} ms per request"));
                        var measured = figures.TryGetValue((host.Name, listing.Name), out var earlier) ? earlier : new Measured([], 0, TimeSpan.Zero);
                        measured.Latencies.AddRange(latencies);
                        figures[(host.Name, listing.Name)] = measured with { Failed = measured.Failed + failed, HostCpu = measured.HostCpu + used };
                    }
                }
            }

            foreach (var host in hosts)
            {
                Console.WriteLine(Invariant($"{host.Name}: host peak resident memory (VmHWM): {host.Memory("VmHWM"):F0} MB"));
            }

            PrintTable(hosts, figures, runs, clients, rounds * seconds);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }

        return 0;
    }

    /// <summary>Writes the host's configuration and seeds its store in <paramref name="directory"/>.</summary>
    static async Task PrepareAsync(string directory, int runs, DateTime newest)
    {
        await WriteConfigAsync(directory);
        var store = Path.Combine(directory, "data", "orchestrator.db");
        var clock = Stopwatch.StartNew();
        // Nine in ten runs are the shipped pipeline's, one in ten the other's: every 30 minutes and every 300.
        var seeded = await RunHistorySeeder.SeedAsync(store, Pipeline(), new RunHistorySeed(runs - (runs / 10), newest, TimeSpan.FromMinutes(30)));
        var others = await RunHistorySeeder.SeedAsync(store, Pipeline() with { Name = Other }, new RunHistorySeed(runs / 10, newest.AddMinutes(-7), TimeSpan.FromMinutes(300), RandomSeed: 7));
        Console.WriteLine(Invariant($"seeded {seeded.Runs + others.Runs} runs ({seeded.Failed + others.Failed} failed) in {clock.Elapsed.TotalSeconds:F1} s: {directory}"));
    }

    /// <summary>
    /// The first page (50 runs) under each filter, each listing twice: shared (every request the same) and not
    /// (request n asks <c>until</c> n ticks later, or for a range <c>since</c> n ticks earlier: the same runs, its own query).
    /// </summary>
    static List<Listing> Listings(DateTime newest)
    {
        var far = new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var since = newest - TimeSpan.FromDays(60);
        var until = newest - TimeSpan.FromDays(30);
        (string Name, string Query, bool Range)[] filters =
        [
            ("none", string.Empty, false),
            ("status=Failed", "status=Failed&", false),
            ("status=Succeeded", "status=Succeeded&", false),
            ("pipeline", $"pipeline={Other}&", false),
            ("pipeline+status=Failed", $"pipeline={Other}&status=Failed&", false),
            ("time range (30 days, a month back)", $"until={Time(until)}&", true),
        ];
        return filters.SelectMany(f => new[] { true, false }.Select(shared => new Listing(
            $"{f.Name}{(shared ? string.Empty : ", own query")}",
            shared,
            n => f.Range
                ? $"/api/runs?{f.Query}since={Time(since - TimeSpan.FromTicks(shared ? 0 : n))}&limit=50"
                : $"/api/runs?{f.Query}{(shared ? string.Empty : $"until={Time(far + TimeSpan.FromTicks(n))}&")}limit=50")))
            .ToList();
    }

    static string Time(DateTime time) => Uri.EscapeDataString(time.ToString("O", CultureInfo.InvariantCulture));

    static void PrintTable(List<Host> hosts, Dictionary<(string Host, string Listing), Measured> figures, int runs, int clients, int seconds)
    {
        Console.WriteLine();
        Console.WriteLine(Invariant($"first page of GET /api/runs over {runs:N0} runs, {clients} concurrent clients, {seconds} s per host and listing"));
        var names = hosts.Select(h => h.Name).ToList();
        Console.WriteLine($"| Listing | {string.Join(" | ", names.Select(n => $"{n} p50 / p95 / req/s / host CPU per request"))} |{(names.Count == 2 ? " p95 before ÷ after |" : string.Empty)}");
        Console.WriteLine($"|---|{string.Concat(names.Select(_ => "---|"))}{(names.Count == 2 ? "---|" : string.Empty)}");
        foreach (var listing in figures.Keys.Select(k => k.Listing).Distinct())
        {
            var cells = names.Select(n =>
            {
                var measured = figures[(n, listing)];
                var sorted = measured.Latencies.Order().ToList();
                var failed = measured.Failed > 0 ? Invariant($" ({measured.Failed} failed)") : string.Empty;
                var cpu = measured.HostCpu.TotalMilliseconds / Math.Max(1, sorted.Count);
                return (P95: Percentile(sorted, 0.95), Text: Invariant($"{Percentile(sorted, 0.50):F1} / {Percentile(sorted, 0.95):F1} ms / {sorted.Count / (double)seconds:F0} / {cpu:F2} ms{failed}"));
            }).ToList();
            Console.WriteLine($"| {listing} | {string.Join(" | ", cells.Select(c => c.Text))} |{(cells.Count == 2 ? Invariant($" {cells[0].P95 / cells[1].P95:F1} |") : string.Empty)}");
        }
    }

    static async Task<(List<double> Latencies, int Failed)> LoadAsync(HttpClient http, Func<long, string> path, int clients, TimeSpan duration)
    {
        var latencies = new List<double>();
        var stop = Stopwatch.StartNew();
        var errors = 0;
        var sent = 0L;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<double>();
            var buffer = new byte[BodyBuffer];
            while (stop.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await GetAsync(http, path(Interlocked.Increment(ref sent)), buffer);
                // A failed or timed-out request counts with the time it took: dropping it would flatter a collapse.
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!ok)
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

        return (latencies, errors);
    }

    /// <summary>
    /// Whether the request succeeded within the client's timeout (<see cref="Timeout"/>), its whole body read into
    /// <paramref name="buffer"/> (the client's own, reused): a body as a new array each time is one on the large-object heap
    /// from 85,000 bytes (a page of failed runs is 88 KB), whose gen-2 collections paused this process's 200 clients and
    /// made those pages look slower than the host serves them.
    /// </summary>
    static async Task<bool> GetAsync(HttpClient http, string path, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            while (await body.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    static void Report(string title, List<double> latencies, int seconds)
    {
        var sorted = latencies.Order().ToList();
        Console.WriteLine(title);
        Console.WriteLine(Invariant($"  {sorted.Count} requests, {sorted.Count / (double)seconds:F0}/s; p50 {Percentile(sorted, 0.50):F1} ms, p95 {Percentile(sorted, 0.95):F1} ms, p99 {Percentile(sorted, 0.99):F1} ms, max {sorted[^1]:F1} ms"));
    }

    static async Task WriteConfigAsync(string directory)
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
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), shipped.ToJsonString());
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

    sealed record Listing(string Name, bool Shared, Func<long, string> Path);

    sealed record Measured(List<double> Latencies, int Failed, TimeSpan HostCpu);

    /// <summary>Temporary folders, deleted at the end.</summary>
    sealed class Directories : IDisposable
    {
        readonly List<string> created = [];

        public string Create()
        {
            var path = Directory.CreateTempSubdirectory("orchestrator-api-bench-").FullName;
            created.Add(path);
            return path;
        }

        public void Dispose() => created.ForEach(path => Directory.Delete(path, recursive: true));
    }

    /// <summary>An <c>orchestrator serve</c> process of one build over one prepared folder, and a client for it.</summary>
    sealed class Host(string name, Process process, HttpClient http) : IAsyncDisposable
    {
        public string Name => name;

        public HttpClient Http => http;

        public static Host Start(string name, string buildFolder, string directory, int clients)
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var process = Process.Start(new ProcessStartInfo(Path.Combine(buildFolder, "orchestrator"), ["serve", "--config", Path.Combine(directory, "appsettings.json"), "--urls", url])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new Host(name, process, new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(url), Timeout = Timeout });
        }

        public async Task WaitForHealthAsync()
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
                catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(120))
                {
                }

                await Task.Delay(200);
            }
        }

        /// <summary>The host process's CPU time so far (user and system), for its CPU per request.</summary>
        public TimeSpan ProcessorTime()
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }

        public double Memory(string field)
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
