using Orchestrator.Glue.Local;

namespace Orchestrator.Host.Cli;

/// <summary><c>sample-data</c>: writes MyStore raw data for the local engine; the same seed writes the same data.</summary>
public static class SampleDataCommand
{
    public static async Task<int> RunAsync(string? configFile, SampleDataOptions options, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        if (options.Rows < 1 || options.Days < 1)
        {
            await errors.WriteLineAsync("--rows and --days must be at least 1.");
            return 2;
        }

        using var host = CliHost.Build(configFile, withWorker: false, errors);
        if (host is null)
        {
            return 2;
        }

        if (host.Services.GetService<SampleDataGenerator>() is not { } generator)
        {
            await errors.WriteLineAsync("sample-data writes into the local lake: set Orchestrator:Glue:Backend to Local.");
            return 2;
        }

        var written = await generator.WriteAsync(options, cancellationToken);
        foreach (var entity in written)
        {
            await output.WriteLineAsync($"{entity.Entity,-18} {entity.Rows,8} rows  {entity.FilesWritten,4} files written  {entity.FilesSkipped,4} already there  {entity.LateEvents,6} late  {entity.UnparseableTimestamps,4} bad timestamps");
        }

        return 0;
    }
}
