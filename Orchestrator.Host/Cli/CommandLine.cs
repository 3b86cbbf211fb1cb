using System.CommandLine;
using Orchestrator.Glue.Local;

namespace Orchestrator.Host.Cli;

/// <summary>
/// The host's verbs: <c>serve</c> (the default), <c>run</c>, <c>plan</c>, <c>sample-data</c>, <c>changes</c>,
/// <c>rehearse</c> and <c>config check</c>.
/// Exit codes: 0 success, 1 a run that failed or was terminated, 2 a usage or configuration error.
/// </summary>
public static class CommandLine
{
    /// <summary>Runs a verb; <paramref name="output"/> and <paramref name="errors"/> default to the console.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        var config = new Option<string?>("--config") { Description = "The configuration file (default: appsettings.json next to the binary, or $ORCHESTRATOR_CONFIG)", Recursive = true };
        var root = new RootCommand("Orchestrator: a durable orchestrator for AWS Glue data-lake pipelines.");
        root.Options.Add(config);

        var urls = new Option<string?>("--urls") { Description = $"Addresses to listen on, separated by ';' (default {Hosting.ListenAddresses.Default}, or $ASPNETCORE_URLS)" };
        var serve = new Command("serve", "Run the service: durable worker, scheduler, REST API and dashboard (the default verb).") { urls };
        serve.SetAction((parse, token) => ServeCommand.RunAsync(parse.GetValue(config), parse.GetValue(urls), errors, token));
        root.Subcommands.Add(serve);
        root.Options.Add(urls);
        root.SetAction((parse, token) => ServeCommand.RunAsync(parse.GetValue(config), parse.GetValue(urls), errors, token));

        var pipeline = new Argument<string>("pipeline") { Description = "The pipeline to run, as named under Orchestrator:Pipelines" };
        var entity = new Option<string[]>("--entity") { Description = "Run only this entity (repeatable)", AllowMultipleArgumentsPerToken = false };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the run and exit; a serving host carries it out" };
        var reason = new Option<string?>("--reason") { Description = "Why the run was started, kept with the run" };
        var run = new Command("run", "Run a pipeline once, in this process, showing its progress; exit 0 if it succeeds, 1 if not.") { pipeline, entity, noWait, reason };
        run.SetAction((parse, token) => RunCommand.RunAsync(parse.GetValue(config), new RunRequest(parse.GetRequiredValue(pipeline), parse.GetValue(entity) ?? [], parse.GetValue(noWait), parse.GetValue(reason)), output, errors, token));
        root.Subcommands.Add(run);

        var planPipeline = new Argument<string>("pipeline") { Description = "The pipeline to plan, as named under Orchestrator:Pipelines" };
        var planEntity = new Option<string[]>("--entity") { Description = "Plan only this entity (repeatable)", AllowMultipleArgumentsPerToken = false };
        var planJson = new Option<bool>("--json") { Description = "Print the plan as JSON (the API's shape)" };
        var plan = new Command("plan", "Show what a run would do now, without starting it: steps, skips and why, new raw data, estimated time.") { planPipeline, planEntity, planJson };
        plan.SetAction((parse, token) => PlanCommand.RunAsync(parse.GetValue(config), new PlanRequest(parse.GetRequiredValue(planPipeline), parse.GetValue(planEntity) ?? [], parse.GetValue(planJson)), output, errors, token));
        root.Subcommands.Add(plan);

        var rows = new Option<int>("--rows") { Description = "Rows per entity", DefaultValueFactory = _ => 10_000 };
        var days = new Option<int>("--days") { Description = "Days of processing time to spread them over", DefaultValueFactory = _ => 7 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed writes the same data", DefaultValueFactory = _ => 42 };
        var sample = new Command("sample-data", "Write MyStore sample raw data into the local lake's raw zone.") { rows, days, seed };
        sample.SetAction((parse, token) => SampleDataCommand.RunAsync(parse.GetValue(config), new SampleDataOptions { Rows = parse.GetValue(rows), Days = parse.GetValue(days), Seed = parse.GetValue(seed) }, output, errors, token));
        root.Subcommands.Add(sample);

        var changesPipeline = new Option<string?>("--pipeline") { Description = "Only this pipeline's changes" };
        var changesEntity = new Option<string?>("--entity") { Description = "Only this entity's changes" };
        var changesRun = new Option<string?>("--run") { Description = "Only this run's changes" };
        var after = new Option<string?>("--after") { Description = "Resume after this cursor (printed when the verb ends; the API's nextCursor)" };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new changes as they are committed, until Ctrl+C" };
        var json = new Option<bool>("--json") { Description = "One JSON object per change (the API's shape) instead of a line of text" };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls with --follow", DefaultValueFactory = _ => 2 };
        var changes = new Command("changes", "Print the partition change feed in commit order, then the cursor to resume from.") { changesPipeline, changesEntity, changesRun, after, follow, json, interval };
        changes.SetAction((parse, token) => ChangesCommand.RunAsync(parse.GetValue(config),
            new ChangesRequest(parse.GetValue(changesPipeline), parse.GetValue(changesEntity), parse.GetValue(changesRun), parse.GetValue(after), parse.GetValue(follow), parse.GetValue(json), parse.GetValue(interval)),
            output, errors, token));
        root.Subcommands.Add(changes);

        root.Subcommands.Add(RehearseCommand.Create(config, output, errors));

        var check = new Command("check", "Check the configuration: print every problem (exit 2) or 'configuration OK'.");
        check.SetAction(parse => ConfigCheckCommand.Run(parse.GetValue(config), output));
        root.Subcommands.Add(new Command("config", "Configuration tools.") { check });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await errors.WriteLineAsync(error.Message);
            }

            await errors.WriteLineAsync("Run 'orchestrator --help' for usage.");
            return 2;
        }

        // Signals are left to each verb: serve drains through the generic host (System.CommandLine's own handling
        // would end the process after 2 s), run stops watching and leaves the run durable. Configuration problems
        // are found before any verb builds anything, so none ends in an exception.
        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null, Output = output, Error = errors });
    }
}
