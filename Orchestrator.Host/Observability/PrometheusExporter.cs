using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Orchestrator.Host.Observability;

/// <summary>
/// Serves the <c>Orchestrator*</c> meters in the Prometheus text format: counters as <c>_total</c>, histograms with
/// their buckets, observable gauges read at scrape time, plus the process's memory and CPU. Only our own meter is
/// exported, so <c>/metrics</c> stays short enough to read.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    readonly MeterListener listener = new();
    readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, Series>> series = new();
    readonly Lock scrapeLock = new();

    public PrometheusExporter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith(Activities.Runs.RunMetrics.MeterName, StringComparison.Ordinal))
            {
                series.TryAdd(instrument, new ConcurrentDictionary<string, Series>());
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
    }

    public string Scrape()
    {
        var text = new StringBuilder();
        lock (scrapeLock)
        {
            foreach (var gauge in series.Keys.Where(i => i.IsObservable))
            {
                series[gauge].Clear();
            }

            listener.RecordObservableInstruments();
            foreach (var (instrument, byLabels) in series.OrderBy(s => s.Key.Name, StringComparer.Ordinal))
            {
                Write(text, instrument, byLabels);
            }
        }

        WriteProcess(text);
        return text.ToString();
    }

    public void Dispose() => listener.Dispose();

    void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!series.TryGetValue(instrument, out var byLabels))
        {
            return;
        }

        var labels = Labels(tags);
        var entry = byLabels.GetOrAdd(labels, _ => new Series(Buckets(instrument)));
        lock (entry)
        {
            if (Holds(instrument))
            {
                entry.Sum = value;
            }
            else
            {
                entry.Sum += value;
                entry.Count++;
                for (var i = 0; i < entry.BucketCounts.Length; i++)
                {
                    if (value <= entry.Bounds[i])
                    {
                        entry.BucketCounts[i]++;
                    }
                }
            }
        }
    }

    static void Write(StringBuilder text, Instrument instrument, ConcurrentDictionary<string, Series> byLabels)
    {
        var name = instrument.Name.Replace('.', '_');
        var kind = instrument.GetType().GetGenericTypeDefinition();
        var histogram = kind == typeof(Histogram<>);
        var counter = kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>);
        if (histogram && instrument.Unit == "s")
        {
            name += "_seconds";
        }

        // In the text format a counter's family is named like its samples, _total included.
        if (counter)
        {
            name += "_total";
        }

        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {instrument.Description}\n");
        text.Append(CultureInfo.InvariantCulture, $"# TYPE {name} {(histogram ? "histogram" : counter ? "counter" : "gauge")}\n");
        foreach (var (labels, entry) in byLabels.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            lock (entry)
            {
                if (histogram)
                {
                    for (var i = 0; i < entry.Bounds.Length; i++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{Join(labels, $"le=\"{Number(entry.Bounds[i])}\"")}}} {entry.BucketCounts[i]}\n");
                    }

                    text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{Join(labels, "le=\"+Inf\"")}}} {entry.Count}\n");
                    text.Append(CultureInfo.InvariantCulture, $"{name}_sum{Braces(labels)} {Number(entry.Sum)}\n");
                    text.Append(CultureInfo.InvariantCulture, $"{name}_count{Braces(labels)} {entry.Count}\n");
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}{Braces(labels)} {Number(entry.Sum)}\n");
                }
            }
        }
    }

    static void WriteProcess(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        text.Append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"process_resident_memory_bytes {process.WorkingSet64}\n");
        text.Append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"process_cpu_seconds_total {Number(process.TotalProcessorTime.TotalSeconds)}\n");
        text.Append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"process_start_time_seconds {new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds()}\n");
    }

    /// <summary>Instruments whose measurement is the current value (gauges), rather than an increment to add up.</summary>
    static bool Holds(Instrument instrument) =>
        instrument.GetType().GetGenericTypeDefinition() is var kind
        && (kind == typeof(ObservableGauge<>) || kind == typeof(Gauge<>) || kind == typeof(ObservableCounter<>) || kind == typeof(ObservableUpDownCounter<>));

    static double[] Buckets(Instrument instrument) =>
        instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } ? [.. bounds] : instrument is Histogram<double> ? DefaultBuckets : [];

    static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            pairs.Add($"{key}=\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    static string Join(string labels, string extra) => labels.Length == 0 ? extra : $"{labels},{extra}";

    static string Braces(string labels) => labels.Length == 0 ? string.Empty : $"{{{labels}}}";

    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    sealed class Series(double[] bounds)
    {
        public double[] Bounds { get; } = bounds;

        public long[] BucketCounts { get; } = new long[bounds.Length];

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
