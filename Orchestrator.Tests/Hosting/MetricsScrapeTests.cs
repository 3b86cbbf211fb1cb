using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// <c>/metrics</c> after a real run on the local engine, read the way Prometheus reads it, against the table in
/// docs/operations.md: every metric the guide names is there with its type and labels, and durations have buckets.
/// </summary>
public sealed partial class MetricsScrapeTests(MetricsScrapeTests.AfterARun scraped) : IClassFixture<MetricsScrapeTests.AfterARun>
{
    [Fact]
    public void Every_metric_the_operations_guide_names_is_scraped_with_its_type_and_labels()
    {
        var documented = DocumentedMetrics();
        Assert.True(documented.Count >= 10, $"the table in docs/operations.md lists only {documented.Count} metrics");

        foreach (var metric in documented)
        {
            Assert.True(scraped.Text.Contains($"# TYPE {metric.Name} {metric.Type}\n", StringComparison.Ordinal), $"no '# TYPE {metric.Name} {metric.Type}' in the scrape:\n{scraped.Text}");
            var sampleName = metric.Type == "histogram" ? metric.Name + "_count" : metric.Name;
            var samples = scraped.Samples.Where(s => s.Name == sampleName).ToList();
            Assert.True(samples.Count > 0, $"no sample of {sampleName} in the scrape:\n{scraped.Text}");
            Assert.All(samples, s => Assert.Equal(metric.Labels.Order(StringComparer.Ordinal), s.Labels.Keys.Order(StringComparer.Ordinal)));
        }

        // And the guide is complete: nothing ours is exported that it does not explain.
        var names = documented.Select(m => m.Name).ToHashSet();
        var undocumented = scraped.Samples.Select(s => Regex.Replace(s.Name, "_(bucket|sum|count)$", string.Empty))
            .Where(n => !names.Contains(n)).Distinct().ToList();
        Assert.Empty(undocumented);
    }

    [Fact]
    public void Run_and_step_durations_are_histograms_with_the_documented_buckets()
    {
        var bounds = DocumentedDurationBuckets();
        Assert.Equal([1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400], bounds);

        foreach (var (histogram, labels) in new[]
        {
            ("orchestrator_run_duration_seconds", new Dictionary<string, string> { ["pipeline"] = "data-preparation", ["status"] = "Succeeded" }),
            ("orchestrator_step_duration_seconds", new Dictionary<string, string> { ["pipeline"] = "data-preparation", ["kind"] = "EntityJob", ["state"] = "Succeeded" }),
            ("orchestrator_glue_local_job_run_duration_seconds", new Dictionary<string, string> { ["state"] = "SUCCEEDED" }),
        })
        {
            bool Matches(Sample s) => labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value);
            var buckets = scraped.Samples.Where(s => s.Name == histogram + "_bucket" && Matches(s)).ToList();
            Assert.Equal([.. bounds.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"], buckets.Select(b => b.Labels["le"]));

            // Cumulative, as Prometheus's histogram_quantile expects, and +Inf holds every observation.
            Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value));
            var count = scraped.Samples.Single(s => s.Name == histogram + "_count" && Matches(s)).Value;
            Assert.True(count >= 1, $"{histogram} counted no observation");
            Assert.Equal(count, buckets[^1].Value);
            Assert.True(scraped.Samples.Single(s => s.Name == histogram + "_sum" && Matches(s)).Value > 0);
        }
    }

    [Fact]
    public void The_scrape_is_Prometheus_text_with_the_run_counted()
    {
        Assert.Equal("text/plain", scraped.ContentType.MediaType);
        Assert.Contains(scraped.ContentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var started = scraped.Samples.Single(s => s.Name == "orchestrator_runs_started_total" && s.Labels["kind"] == "Manual");
        Assert.Equal(1, started.Value);
        var skipped = scraped.Samples.Single(s => s.Name == "orchestrator_schedule_slots_skipped_total");
        Assert.Equal("paused", skipped.Labels["reason"]);
    }

    /// <summary>The rows of the metric table under "What to watch in /metrics": name, type, label names.</summary>
    static List<DocumentedMetric> DocumentedMetrics() =>
        [.. Section().Split('\n')
            .Select(line => TableRow().Match(line))
            .Where(m => m.Success)
            .Select(m => new DocumentedMetric(m.Groups["name"].Value, m.Groups["type"].Value,
                [.. Backticked().Matches(m.Groups["labels"].Value).Select(l => l.Groups[1].Value)]))];

    /// <summary>The bounds the guide gives for duration histograms: "buckets at 1, 5, … seconds".</summary>
    static double[] DocumentedDurationBuckets()
    {
        var match = DurationBucketsLine().Match(Section());
        Assert.True(match.Success, "docs/operations.md does not say the duration buckets ('Duration buckets (`le`, seconds): …')");
        return [.. match.Groups[1].Value.Split(',').Select(b => double.Parse(b.Trim(), CultureInfo.InvariantCulture))];
    }

    static string Section()
    {
        var guide = File.ReadAllText(RepositoryRoot.File("docs/operations.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = guide.IndexOf("## What to watch in /metrics", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/operations.md has no section 'What to watch in /metrics'");
        var end = guide.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return guide[start..(end < 0 ? guide.Length : end)];
    }

    [GeneratedRegex(@"^\| `(?<name>[a-z_]+)` \| (?<type>counter|gauge|histogram)\b[^|]*\|(?<labels>[^|]*)\|")]
    private static partial Regex TableRow();

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"Duration buckets \(`le`, seconds\): ([0-9, ]+)")]
    private static partial Regex DurationBucketsLine();

    sealed record DocumentedMetric(string Name, string Type, IReadOnlyList<string> Labels);

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>
    /// One host that has counted a skipped slot and a run: a first host pauses the schedule, a second on the same
    /// store starts with a schedule due at once (its slot is skipped: paused), then runs the pipeline on request.
    /// </summary>
    public sealed partial class AfterARun : IAsyncLifetime
    {
        readonly TempDirectory directory = new();

        public string Text { get; private set; } = string.Empty;

        public System.Net.Http.Headers.MediaTypeHeaderValue ContentType { get; private set; } = null!;

        public IReadOnlyList<Sample> Samples { get; private set; } = [];

        public async ValueTask InitializeAsync()
        {
            var token = TestContext.Current.CancellationToken;
            var config = await TestHost.WriteConfigAsync(directory, sampleRows: 0);
            await using (var first = await StartAsync(config))
            {
                using var client = new HttpClient { BaseAddress = first.Address };
                var paused = await client.PostAsync("/api/pipelines/data-preparation/schedule/pause", ApiContractTests.EmptyJson(), token);
                Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
            }

            config = await TestHost.WriteConfigAsync(directory, EveryMinuteFromStartup);
            await using var second = await StartAsync(config);
            using var http = new HttpClient { BaseAddress = second.Address };
            var accepted = await http.PostAsJsonAsync("/api/pipelines/data-preparation/runs", new { }, token);
            var run = await ApiPolling.UntilFinishedAsync(http, accepted.Headers.Location!.ToString());
            Assert.Equal("Succeeded", run.GetProperty("status").GetString());

            // The scheduler's gauges come with its next evaluation; the run's counters are there at once.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            do
            {
                using var response = await http.GetAsync("/metrics", token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                ContentType = response.Content.Headers.ContentType!;
                Text = await response.Content.ReadAsStringAsync(token);
                Samples = Parse(Text);
                if (Samples.Any(s => s.Name == "orchestrator_runs_active") && Samples.Any(s => s.Name == "orchestrator_schedule_slots_skipped_total"))
                {
                    break;
                }

                await Task.Delay(500, token);
            }
            while (DateTime.UtcNow < deadline);

            TestContext.Current.SendDiagnosticMessage("/metrics after a run:\n{0}", Text);
        }

        public ValueTask DisposeAsync()
        {
            directory.Dispose();
            return ValueTask.CompletedTask;
        }

        static void EveryMinuteFromStartup(JsonObject orchestrator)
        {
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
            pipeline["Schedule"] = "* * * * *";
            pipeline["RunOnStartup"] = true;
        }

        static async Task<RunningHost> StartAsync(string config)
        {
            var address = new Uri($"http://127.0.0.1:{TestHost.FreePort()}");
            var errors = new StringWriter();
            var (app, exitCode) = await OrchestratorWebApp.BuildAsync(config, address.ToString().TrimEnd('/'), errors, CancellationToken.None);
            Assert.True(app is not null, $"The host did not start (exit {exitCode}): {errors}");
            await app.StartAsync();
            return new RunningHost(app, address);
        }

        /// <summary>The samples of the Prometheus text format: <c>name{label="value",…} value</c>.</summary>
        static List<Sample> Parse(string text) =>
            [.. text.Split('\n')
                .Where(line => line.Length > 0 && line[0] != '#')
                .Select(line => SampleLine().Match(line))
                .Where(m => m.Success)
                .Select(m => new Sample(
                    m.Groups["name"].Value,
                    LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value),
                    double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

        [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
        private static partial Regex SampleLine();

        [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)""")]
        private static partial Regex LabelPair();

        sealed class RunningHost(WebApplication app, Uri address) : IAsyncDisposable
        {
            public Uri Address => address;

            public async ValueTask DisposeAsync()
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }
}
