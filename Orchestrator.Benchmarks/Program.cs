using System.Globalization;
using Orchestrator.Benchmarks;

// Each verb prints its figures; docs/benchmarks.md records them with the machine they ran on.
var verbs = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["engine"] = EngineBenchmark.RunAsync,
    ["pipeline"] = PipelineBenchmark.RunAsync,
    ["api"] = ApiBenchmark.RunAsync,
    ["local-etl"] = LocalEtlBenchmark.RunAsync,
    ["store-check"] = StoreCheckBenchmark.RunAsync,
    ["soak"] = HostSoakBenchmark.RunAsync,
    ["history"] = HistoryBenchmark.RunAsync,
    [Orchestrator.Benchmarks.Peers.RaceWorker.Verb] = Orchestrator.Benchmarks.Peers.RaceWorker.RunAsync,
};

if (args.Length == 0 || !verbs.TryGetValue(args[0], out var verb))
{
    Console.Error.WriteLine($"usage: Orchestrator.Benchmarks <{string.Join('|', verbs.Keys.Where(v => v != Orchestrator.Benchmarks.Peers.RaceWorker.Verb))}> [options]");
    return 2;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}"));
return await verb(args[1..]);
