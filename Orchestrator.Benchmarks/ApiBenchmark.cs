using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Benchmarks;

/// <summary>
/// The REST API under load: the real host binary in its own process over a store of 10,000 seeded runs, and 200
/// concurrent clients listing runs from this process. Also the host's resident memory when idle.
/// </summary>
static class ApiBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Option(args, "--runs", 10_000);
        var clients = Option(args, "--clients", 200);
        var seconds = Option(args, "--seconds", 20);
        var directory = Directory.CreateTempSubdirectory("orchestrator-api-bench-");
        try
        {
            var config = await WriteConfigAsync(directory.FullName);
            var seeded = await RunHistorySeeder.SeedAsync(Path.Combine(directory.FullName, "data", "orchestrator.db"), Pipeline(),
                new RunHistorySeed(runs, DateTime.UtcNow, TimeSpan.FromMinutes(30)));
            Console.WriteLine($"seeded {seeded.Runs} runs ({seeded.Failed} failed)");

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

                for (var i = 0; i < 50; i++)
                {
                    (await http.GetAsync("/api/runs?limit=50")).EnsureSuccessStatusCode();
                }

                var latencies = await LoadAsync(http, "/api/runs?limit=50", clients, TimeSpan.FromSeconds(seconds));
                Report($"GET /api/runs?limit=50, {clients} concurrent clients, {seconds} s", latencies, seconds);
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

        return 0;
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

    static void Report(string title, List<double> latencies, int seconds)
    {
        latencies.Sort();
        Console.WriteLine(title);
        Console.WriteLine(Invariant($"  {latencies.Count} requests, {latencies.Count / (double)seconds:F0}/s; p50 {Percentile(latencies, 0.50):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms"));
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

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
