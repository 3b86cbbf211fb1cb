using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Orchestrator.Host.Observability;

/// <summary>
/// Serilog from configuration (the <c>Serilog</c> section sets levels): readable console lines by default, compact
/// JSON with every property when <c>Orchestrator:Logging:Json</c> is true (containers). Scope properties such as
/// RunId, Pipeline and Step become event properties.
/// </summary>
public static class LoggingSetup
{
    const string Template = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{RunScope}{NewLine}{Exception}";

    const string MinimumLevel = "Serilog:MinimumLevel";

    /// <summary>
    /// What Serilog would refuse or misread, named by key; Serilog's own errors name neither the key nor the allowed
    /// levels, and come only when the host is built.
    /// </summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        var minimum = configuration.GetSection(MinimumLevel);
        var levels = new[] { minimum, minimum.GetSection("Default") }
            .Concat(minimum.GetSection("Override").GetChildren())
            .Where(section => section.Value is not null);
        foreach (var level in levels)
        {
            if (!Enum.GetNames<LogEventLevel>().Contains(level.Value!.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{level.Path}: '{level.Value}' is not a log level; use {string.Join(", ", Enum.GetNames<LogEventLevel>())}.");
            }
        }

        if (problems.Count == 0)
        {
            try
            {
                new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger().Dispose();
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or InvalidCastException)
            {
                problems.Add($"Serilog: {ex.Message}");
            }
        }

        return problems;
    }

    public static LoggerConfiguration Configure(LoggerConfiguration logger, IConfiguration configuration, LogEventLevel? consoleMinimum = null)
    {
        logger.ReadFrom.Configuration(configuration).Enrich.FromLogContext();
        var minimum = consoleMinimum ?? LogEventLevel.Verbose;
        LogEventLevel? toStandardError = consoleMinimum is null ? null : LogEventLevel.Verbose;
        if (configuration.GetValue<bool>("Orchestrator:Logging:Json"))
        {
            return logger.WriteTo.Console(new RenderedCompactJsonFormatter(), restrictedToMinimumLevel: minimum, standardErrorFromLevel: toStandardError);
        }

        return logger.Enrich.With<RunScopeEnricher>()
            .WriteTo.Console(outputTemplate: Template, restrictedToMinimumLevel: minimum, formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                standardErrorFromLevel: toStandardError);
    }

    /// <summary>Appends " (run X, step Y)" to readable lines when the event has them.</summary>
    sealed class RunScopeEnricher : Serilog.Core.ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
        {
            var parts = new List<string>();
            if (logEvent.Properties.TryGetValue("RunId", out var run) && run is ScalarValue { Value: string runId })
            {
                parts.Add($"run {runId}");
            }

            if (logEvent.Properties.TryGetValue("Step", out var step) && step is ScalarValue { Value: string stepId })
            {
                parts.Add($"step {stepId}");
            }

            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("RunScope", parts.Count == 0 ? string.Empty : $" ({string.Join(", ", parts)})"));
        }
    }
}
