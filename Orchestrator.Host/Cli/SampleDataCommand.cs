using Orchestrator.Activities.Glue.Local;

namespace Orchestrator.Host.Cli;

/// <summary><c>sample-data</c>: writes MyStore raw data for the local engine; the same seed writes the same data.</summary>
public static class SampleDataCommand
{
    public static async Task<int> RunAsync(string? configFile, int rows, int days, int seed, CancellationToken cancellationToken)
    {
        if (rows < 1 || days < 1)
        {
            await Console.Error.WriteLineAsync("--rows and --days must be at least 1.");
            return 2;
        }

        using var host = CliHost.Build(configFile, withWorker: false);
        if (!CliHost.CheckConfiguration(host, Console.Error))
        {
            return 2;
        }

        if (host.Services.GetService<SampleDataGenerator>() is not { } generator)
        {
            await Console.Error.WriteLineAsync("sample-data writes into the local lake: set Orchestrator:Glue:Backend to Local.");
            return 2;
        }

        var written = await generator.WriteAsync(new SampleDataOptions { Rows = rows, Days = days, Seed = seed }, cancellationToken);
        foreach (var entity in written)
        {
            Console.WriteLine($"{entity.Entity,-18} {entity.Rows,8} rows  {entity.FilesWritten,4} files written  {entity.FilesSkipped,4} already there  {entity.LateEvents,6} late  {entity.UnparseableTimestamps,4} bad timestamps");
        }

        return 0;
    }
}
