using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Orchestrator.Glue;

namespace Orchestrator.Host.Observability;

/// <summary>
/// <c>GET /metrics</c>: OpenTelemetry's SDK reads <see cref="OrchestratorMeter"/> and its Prometheus exporter serves
/// the text format. Chosen over prometheus-net's MeterAdapter because it keeps the names in docs/operations.md:
/// it turns units into suffixes (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>{call}</c> dropped),
/// exports counters as counters with <c>_total</c>, and takes each histogram's buckets from its instrument's advice;
/// the adapter prefixes the meter name (<c>orchestrator_orchestrator_…</c>), exports counters as gauges without
/// <c>_total</c>, ignores units and advice. Like <c>/healthz</c>, the endpoint needs no API key (keys guard <c>/api</c>).
/// </summary>
public static class MetricsExport
{
    public const string Path = "/metrics";

    public static IServiceCollection AddMetricsExport(this IServiceCollection services)
    {
        services.AddSingleton<ProcessMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(OrchestratorMeter.Name)
            .AddPrometheusExporter(prometheus =>
            {
                prometheus.ScrapeEndpointPath = Path;
                // Every scrape reads the instruments afresh: the default 300 ms cache would hide a run that just ended.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                // One meter, one service: scope labels and target_info would only repeat that on every line.
                prometheus.ScopeInfoEnabled = false;
                prometheus.TargetInfoEnabled = false;
            }));
        // OpenTelemetry selects meters by name, process-wide, but meters belong to a container's IMeterFactory: only
        // this container's count. With several hosts in one process (the tests), another host's instruments would
        // share this host's metric streams, and disposing that host would end them here too.
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            var ours = provider.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Scope == ours ? null : MetricStreamConfiguration.Drop);
        });
        return services;
    }

    /// <summary>Starts listening now rather than with the host, so nothing recorded before the first scrape is lost.</summary>
    public static void StartMetricsExport(this IServiceProvider services)
    {
        services.GetRequiredService<MeterProvider>();
        services.GetRequiredService<ProcessMetrics>();
    }

    public static void MapMetricsExport(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path).WithTags("Health").ExcludeFromDescription();
}
