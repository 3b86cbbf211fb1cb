using System.CommandLine;
using System.Globalization;
using Orchestrator.Glue.Faults;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Host.Cli;

/// <summary>
/// <c>rehearse &lt;pipeline&gt;</c>: runs the pipeline several times with Glue faults injected and, with
/// <c>--crashes</c>, its host killed with SIGKILL, then prints the invariant report. Exit 0 when every invariant
/// held, 1 when one did not, 2 for bad input.
/// </summary>
public static class RehearseCommand
{
    public static Command Create(Option<string?> config, TextWriter output, TextWriter errors)
    {
        var pipeline = new Argument<string>("pipeline") { Description = "The pipeline to rehearse, as named under Orchestrator:Pipelines" };
        var runs = new Option<int>("--runs") { Description = "Runs of the pipeline", DefaultValueFactory = _ => 5 };
        var throttle = Probability("--throttle", "Share of Glue calls refused with ThrottlingException", 0.1);
        var serverErrors = Probability("--server-errors", "Share of Glue calls refused with InternalServiceException (HTTP 500)", 0.05);
        var ambiguous = Probability("--ambiguous-starts", "Share of job starts whose run is created but whose response is lost", 0.2);
        var jobFailures = Probability("--job-failures", "Share of job runs that fail", 0.1);
        var slowPolls = Probability("--slow-polls", "Share of GetJobRun/GetCrawler calls answered half a second late", 0.1);
        var crashes = new Option<int>("--crashes") { Description = "SIGKILLs of the host at seeded moments, each followed by a restart", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the faults, the crash moments and the sample data", DefaultValueFactory = _ => 1 };
        var rows = new Option<int>("--rows") { Description = "Sample rows per entity and run (local engine)", DefaultValueFactory = _ => 300 };
        var workDir = new Option<string?>("--work-dir") { Description = "Where the rehearsal keeps its store, lake and fault journal (default: a new folder under the system's temp folder)" };
        var command = new Command("rehearse", "Run a pipeline several times with Glue faults injected and host crashes, then check its invariants; exit 0 if all held, 1 if not.")
        {
            pipeline, runs, throttle, serverErrors, ambiguous, jobFailures, slowPolls, crashes, seed, rows, workDir,
        };
        command.SetAction((parse, token) =>
        {
            var faults = new RehearsalFaults(parse.GetValue(throttle), parse.GetValue(serverErrors), parse.GetValue(ambiguous), parse.GetValue(jobFailures), parse.GetValue(slowPolls));
            var directory = parse.GetValue(workDir) ?? Path.Combine(Path.GetTempPath(), $"orchestrator-rehearse-{DateTime.UtcNow:yyyyMMddTHHmmss}-{Environment.ProcessId}");
            var options = new RehearsalOptions(parse.GetRequiredValue(pipeline), parse.GetValue(runs), faults, parse.GetValue(crashes), parse.GetValue(seed), Path.GetFullPath(directory), parse.GetValue(config), parse.GetValue(rows));
            return RunAsync(options, output, errors, token);
        });
        return command;
    }

    /// <param name="startHost">How the rehearsal's hosts start (default: <c>serve</c> in a child process).</param>
    public static async Task<int> RunAsync(RehearsalOptions options, TextWriter output, TextWriter errors, CancellationToken cancellationToken, RehearsalHostStarter? startHost = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Problems(options) is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
            {
                await errors.WriteLineAsync(problem);
            }

            return 2;
        }

        RehearsalReport report;
        try
        {
            await output.WriteLineAsync($"rehearsing {options.Pipeline}: {options.Runs} runs, {options.Crashes} crashes, seed {options.Seed}, in {options.WorkDirectory}");
            report = await PipelineRehearsal.RunAsync(options, output, cancellationToken, startHost);
        }
        catch (RehearsalInputException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return 2;
        }

        await WriteAsync(report, output);
        return report.Passed ? 0 : 1;
    }

    public static async Task WriteAsync(RehearsalReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync();
        await output.WriteLineAsync("Invariants");
        foreach (var invariant in report.Invariants)
        {
            await output.WriteLineAsync($"  {(invariant.Passed ? "PASS" : "FAIL")}  {invariant.Name}: {invariant.Detail}");
        }

        var counts = report.Counts;
        await output.WriteLineAsync("Counts");
        await output.WriteLineAsync($"  Glue calls: {counts.GlueCalls.Values.Sum()} ({Join(counts.GlueCalls)})");
        await output.WriteLineAsync($"  faults injected: {counts.Faults.Values.Sum()} ({Join(counts.Faults)})");
        await output.WriteLineAsync($"  attempts: {counts.Attempts} (retried {counts.Retries}, interrupted by a kill {counts.Interrupted}); job starts refused {counts.StartsRefused}");
        var orphans = counts.AmbiguousStarts - counts.AmbiguousStartsAdopted;
        await output.WriteLineAsync($"  ambiguous starts adopted by their marker: {counts.AmbiguousStartsAdopted} of {counts.AmbiguousStarts}" +
            (orphans > 0 ? $" ({orphans} Glue run{(orphans == 1 ? " was" : "s were")} left running unwatched: the step gave up on its start first)" : string.Empty));
        await output.WriteLineAsync($"  host kills: {report.Kills.Count}{(report.CrashesNotPlaced > 0 ? $" ({report.CrashesNotPlaced} not placed: the last run ended first)" : string.Empty)}");
        await output.WriteLineAsync($"rehearsal {(report.Passed ? "PASSED" : "FAILED")} in {report.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; its store, lake and fault journal are in {report.WorkDirectory}");
    }

    static List<string> Problems(RehearsalOptions options)
    {
        var problems = new List<string>();
        if (options.Runs < 1)
        {
            problems.Add($"--runs must be at least 1; it is {options.Runs}.");
        }

        if (options.Crashes < 0)
        {
            problems.Add($"--crashes must be 0 or more; it is {options.Crashes}.");
        }

        if (options.Rows < 1)
        {
            problems.Add($"--rows must be at least 1; it is {options.Rows}.");
        }

        var f = options.Faults;
        foreach (var (name, value) in new[] { ("--throttle", f.Throttling), ("--server-errors", f.ServerErrors), ("--ambiguous-starts", f.AmbiguousStarts), ("--job-failures", f.JobFailures), ("--slow-polls", f.SlowPolls) })
        {
            if (GlueFaultOptionsValidator.ProbabilityProblem(value) is { } problem)
            {
                problems.Add($"{name} {problem}");
            }
        }

        return problems;
    }

    static Option<double> Probability(string name, string description, double fallback) =>
        new(name) { Description = $"{description}, 0 to 1 (default {fallback.ToString(CultureInfo.InvariantCulture)})", DefaultValueFactory = _ => fallback };

    static string Join(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
}
