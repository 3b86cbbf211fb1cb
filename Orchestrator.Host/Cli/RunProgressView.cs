using System.Globalization;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Cli;

/// <summary>
/// Shows a run's steps as they move. On a terminal the step table is redrawn in place; when output is redirected
/// (CI logs, files) each change is printed once as a line.
/// </summary>
public sealed class RunProgressView(TextWriter output, bool interactive, TimeProvider time)
{
    readonly Dictionary<string, string> lastSeen = [];
    int drawnLines;

    public void Update(RunDetails run)
    {
        if (interactive)
        {
            Redraw(run);
            return;
        }

        foreach (var step in run.Steps)
        {
            var line = $"{step.State}{(step.Attempts.Count > 1 ? $" (attempt {step.Attempts.Count})" : string.Empty)}";
            if (lastSeen.GetValueOrDefault(step.Id) != line)
            {
                lastSeen[step.Id] = line;
                output.WriteLine($"{time.GetLocalNow():HH:mm:ss}  {step.Id,-28} {line}");
            }
        }
    }

    public void Summary(RunDetails run)
    {
        if (interactive)
        {
            Redraw(run);
        }

        output.WriteLine();
        output.WriteLine($"{"STEP",-28} {"STATE",-10} {"TRIES",5} {"DURATION",9} {"GLUE RUN",-24} {"ROWS",9} {"PARTITIONS",10}  ERROR");
        foreach (var step in run.Steps)
        {
            var last = step.Attempts.LastOrDefault();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{step.Id,-28} {step.State,-10} {step.Attempts.Count,5} {Duration(step),9} {last?.GlueRunId ?? "-",-24} {last?.Details?.RowsWritten.ToString(CultureInfo.InvariantCulture) ?? "-",9} {step.PartitionsTouched.Count,10}  {step.ErrorMessage}"));
        }

        output.WriteLine();
        output.WriteLine($"run {run.Summary.RunId}: {run.Summary.Status}{(run.Summary.Message is { } message ? $" - {message}" : string.Empty)}");
        var cost = run.Summary.Cost;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cost: {cost.Dollars()} ({cost.DpuSeconds:0} DPU-seconds, {cost.DpuHours:0.00} DPU-hours){(cost.Estimated ? ", estimated" : string.Empty)}"));
    }

    void Redraw(RunDetails run)
    {
        if (drawnLines > 0)
        {
            output.Write($"\u001b[{drawnLines}A\u001b[J");
        }

        var lines = new List<string> { $"{run.Summary.RunId}  {run.Summary.Status}  {Elapsed(run.Summary)}" };
        lines.AddRange(run.Steps.Select(step => $"  {Symbol(step.State)} {step.Id,-28} {step.State,-10} {(step.Attempts.Count > 1 ? $"attempt {step.Attempts.Count}" : string.Empty)}"));
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        drawnLines = lines.Count;
    }

    string Elapsed(RunSummary run) => ((run.CompletedAt ?? time.GetUtcNow().UtcDateTime) - run.CreatedAt).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    static string Duration(StepOutcome step) =>
        step.StartedAt is { } start && step.EndedAt is { } end ? (end - start).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "-";

    static string Symbol(StepState state) => state switch
    {
        StepState.Succeeded or StepState.Reused => "✔",
        StepState.Failed => "✘",
        StepState.Running => "▶",
        StepState.Stopped => "■",
        StepState.Skipped => "-",
        _ => "·",
    };
}
