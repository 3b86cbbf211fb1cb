using System.CommandLine;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// The flags of <c>engine --compare</c> and of its hidden worker verb, parsed by System.CommandLine so a bad flag
/// or value stops the race with the option's name, what was wrong and what is allowed.
/// </summary>
sealed record RaceOptions(
    int Repetitions,
    TimeSpan Bound,
    int Orchestrations,
    int SequenceLength,
    int FanOut,
    IReadOnlyList<RaceProvider> Providers,
    IReadOnlyList<RaceWorkload> Workloads,
    int Repetition,
    string? Directory)
{
    static readonly Option<bool> Compare = new(PeerRace.Flag) { Description = "Race our store against its peers" };
    static readonly Option<int> RepetitionsOption = AtLeast(new Option<int>("--repetitions") { Description = "Measured rounds after the warm-up", DefaultValueFactory = _ => 3 }, 1);
    static readonly Option<int> BoundOption = AtLeast(new Option<int>("--bound-seconds") { Description = "Wall-clock bound of each workload (and of each warm-up)", DefaultValueFactory = _ => 180 }, 1);
    static readonly Option<int> OrchestrationsOption = AtLeast(new Option<int>("--orchestrations") { Description = "Orchestrations of (a)", DefaultValueFactory = _ => 500 }, 1);
    static readonly Option<int> SequenceOption = AtLeast(new Option<int>("--sequence") { Description = "Sequential activities per orchestration of (a)", DefaultValueFactory = _ => 5 }, 1);
    static readonly Option<int> FanOutOption = AtLeast(new Option<int>("--fan-out") { Description = "Activities of (b)'s fan-out", DefaultValueFactory = _ => 5000 }, 1);
    static readonly Option<string[]> ProvidersOption = new Option<string[]>("--providers")
    {
        Description = "Stores to race (default: all; sql-server only where " + RaceProvider.SqlServerVariable + " is set)",
        AllowMultipleArgumentsPerToken = true,
    }.AcceptOnlyFromAmong([.. RaceProvider.All.Select(p => p.Id)]);
    static readonly Option<string[]> WorkloadsOption = new Option<string[]>("--workloads")
    {
        Description = "Workloads to run (default: both)",
        AllowMultipleArgumentsPerToken = true,
    }.AcceptOnlyFromAmong([.. RaceWorkload.Ids]);
    static readonly Option<int> RepetitionOption = new("--repetition") { Hidden = true, DefaultValueFactory = _ => 0 };
    static readonly Option<string?> DirectoryOption = new("--directory") { Hidden = true };

    /// <summary>The arguments a worker process gets for one workload on one store.</summary>
    public IEnumerable<string> WorkerArguments(RaceProvider provider, RaceWorkload workload, int repetition, string directory) =>
    [
        RaceWorker.Verb, ProvidersOption.Name, provider.Id, WorkloadsOption.Name, workload.Id, RepetitionOption.Name, Invariant(repetition),
        OrchestrationsOption.Name, Invariant(Orchestrations), SequenceOption.Name, Invariant(SequenceLength), FanOutOption.Name, Invariant(FanOut),
        BoundOption.Name, Invariant((int)Bound.TotalSeconds), DirectoryOption.Name, directory,
    ];

    /// <summary>Parses the flags after the verb; null (the problems written to standard error) where any is wrong.</summary>
    public static RaceOptions? Parse(string[] args, string verb)
    {
        var command = new RootCommand($"Orchestrator.Benchmarks {verb}")
        {
            Compare, RepetitionsOption, BoundOption, OrchestrationsOption, SequenceOption, FanOutOption, ProvidersOption, WorkloadsOption, RepetitionOption, DirectoryOption,
        };
        var parsed = command.Parse(args);
        if (parsed.Errors.Count > 0 || args.Contains("--help"))
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"{verb}: {error.Message}");
            }

            Console.Error.WriteLine($"{verb} {PeerRace.Flag} takes: {string.Join(", ", command.Options.Where(o => !o.Hidden && o.Name is not ("--help" or "--version")).Select(o => $"{o.Name} ({o.Description})"))}");
            return null;
        }

        var providers = parsed.GetValue(ProvidersOption) is { Length: > 0 } chosen ? RaceProvider.All.Where(p => chosen.Contains(p.Id)).ToList() : [.. RaceProvider.All];
        var fanOut = parsed.GetValue(FanOutOption);
        var orchestrations = parsed.GetValue(OrchestrationsOption);
        var sequence = parsed.GetValue(SequenceOption);
        var workloads = parsed.GetValue(WorkloadsOption) is { Length: > 0 } named ? named.Distinct().ToList() : [.. RaceWorkload.Ids];
        return new RaceOptions(parsed.GetValue(RepetitionsOption), TimeSpan.FromSeconds(parsed.GetValue(BoundOption)), orchestrations, sequence, fanOut,
            providers, [.. RaceWorkload.Ids.Where(workloads.Contains).Select(id => id == RaceWorkload.SequencesId ? RaceWorkload.Sequences(orchestrations, sequence) : RaceWorkload.FanOut(fanOut))],
            parsed.GetValue(RepetitionOption), parsed.GetValue(DirectoryOption));
    }

    static Option<int> AtLeast(Option<int> option, int minimum)
    {
        // Reads the token itself: a value that is not a number is reported by the parser, not here.
        option.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && int.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out var value) && value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}, got {value}");
            }
        });
        return option;
    }

    static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
