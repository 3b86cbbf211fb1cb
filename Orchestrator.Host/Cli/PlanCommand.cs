using System.Globalization;
using System.Text.Json;
using Orchestrator.Activities.Plans;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Cli;

/// <summary>What <c>plan</c> plans and how it prints.</summary>
public sealed record PlanRequest(string Pipeline, IReadOnlyList<string> Entities, bool Json);

/// <summary>
/// <c>plan</c>: what a run of the pipeline would do now, without starting anything: a table of steps (run or skip,
/// estimated time, why), each entity's new raw data, and the estimated run time; <c>--json</c> prints the API's shape.
/// Exit 0, or 2 for an unknown pipeline or entity, or a configuration or store that cannot be used.
/// </summary>
public static class PlanCommand
{
    public static async Task<int> RunAsync(string? configFile, PlanRequest request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        using var host = CliHost.Build(configFile, withWorker: false, errors);
        if (host is null || !await CliHost.OpenStoreAsync(host, errors, cancellationToken))
        {
            return 2;
        }

        PipelinePlan plan;
        try
        {
            plan = await host.Services.GetRequiredService<PipelinePlanner>().PlanAsync(request.Pipeline, request.Entities, cancellationToken);
        }
        catch (RunRequestException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return 2;
        }

        await output.WriteLineAsync(request.Json ? JsonSerializer.Serialize(plan, CliJson.Options) : Text(plan));
        return 0;
    }

    static string Text(PipelinePlan plan)
    {
        var lines = new List<string>
        {
            $"Plan for {plan.Pipeline} (definition {plan.DefinitionHash}, {plan.Backend} backend) at {plan.PlannedAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}; nothing is started.",
        };
        var width = Math.Max(4, plan.Steps.Max(s => s.Id.Length));
        lines.Add($"{"STEP".PadRight(width)}  ACTION  ESTIMATE        COST      WHY");
        foreach (var step in plan.Steps)
        {
            var estimate = step.EstimatedSeconds is { } seconds ? $"{Duration(seconds)} (of {step.Samples})" : "unknown";
            lines.Add($"{step.Id.PadRight(width)}  {step.Action,-6}  {estimate,-14}  {step.EstimatedCost?.Dollars(forecast: true) ?? "unknown",-8}  {step.Reason}");
            if (step.RawData is { } raw)
            {
                lines.Add($"{string.Empty.PadRight(width)}  raw data: {NewData(raw)}");
            }
        }

        var total = plan.EstimatedSeconds is { } run
            ? $"estimated run time {Duration(run)} (median of recent successful attempts)"
            : "estimated run time unknown (a step that would run has no successful attempt on record)";
        var cost = plan.EstimatedCost is { } c
            ? string.Create(CultureInfo.InvariantCulture, $"estimated cost {c.Dollars(forecast: true)} ({c.DpuHours:0.###} DPU-hours)")
            : "estimated cost unknown (a step that would run has no priced attempt on record)";
        lines.Add($"{plan.EntitiesToRun} entities would run, {plan.EntitiesToSkip} would skip; {total}; {cost}.");
        lines.Add($"Budget: {plan.Budget.Reason}.");
        return string.Join(Environment.NewLine, lines);
    }

    static string NewData(Glue.RawDataCheck raw)
    {
        var files = raw.NewFiles is { } count ? $"{count} files" : "files unknown";
        var bytes = raw.NewBytes is { } size ? $", {Bytes(size)}" : string.Empty;
        var newest = raw.NewestPartition is { } partition ? $", newest partition {partition}" : string.Empty;
        return raw.HasNewData ? $"{files} new{bytes}{newest}" : $"nothing new{newest}";
    }

    static string Duration(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)) switch
    {
        { TotalHours: >= 1 } t => $"{(int)t.TotalHours}h {t.Minutes}m",
        { TotalMinutes: >= 1 } t => $"{t.Minutes}m {t.Seconds}s",
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0}s"),
    };

    static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 30):0.0} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.0} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024d:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}
