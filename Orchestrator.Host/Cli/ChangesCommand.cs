using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Host.Cli;

/// <summary>What <c>changes</c> reads and how it prints.</summary>
public sealed record ChangesRequest(string? Pipeline, string? Entity, string? RunId, string? After, bool Follow, bool Json, double IntervalSeconds);

/// <summary>
/// <c>changes</c>: prints the partition change feed of the configured store in commit order, then the cursor to resume
/// from (<c>--after</c>); with <c>--follow</c> it keeps polling and prints new changes as they are committed until
/// Ctrl+C. Exit 0, or 2 for an unknown pipeline or entity, a bad cursor or a store that cannot be used.
/// </summary>
public static class ChangesCommand
{
    public static async Task<int> RunAsync(string? configFile, ChangesRequest request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        if (!(request.IntervalSeconds is >= 0.1 and <= 3600))
        {
            await errors.WriteLineAsync($"--interval {request.IntervalSeconds.ToString(CultureInfo.InvariantCulture)} is not allowed; give 0.1 to 3600 seconds.");
            return 2;
        }

        using var host = CliHost.Build(configFile, withWorker: false, errors);
        if (host is null || !await CliHost.OpenStoreAsync(host, errors, cancellationToken))
        {
            return 2;
        }

        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; interrupted.Cancel(); });
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; interrupted.Cancel(); });
        var feed = host.Services.GetRequiredService<PartitionChangeFeed>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var cursor = request.After;
        try
        {
            while (true)
            {
                var page = await feed.ReadAsync(new ChangeFilter(request.Pipeline, request.Entity, request.RunId, cursor, 500), interrupted.Token);
                foreach (var change in page.Changes)
                {
                    await output.WriteLineAsync(request.Json ? JsonSerializer.Serialize(change, CliJson.Options) : Line(change));
                }

                cursor = page.NextCursor;
                if (page.HasMore)
                {
                    continue;
                }

                if (!request.Follow)
                {
                    break;
                }

                await output.FlushAsync(interrupted.Token);
                await Task.Delay(TimeSpan.FromSeconds(request.IntervalSeconds), time, interrupted.Token);
            }
        }
        catch (RunRequestException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return 2;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            // Ctrl+C while following: the cursor below resumes exactly where this stopped.
        }

        await errors.WriteLineAsync($"resume with --after {cursor}");
        return 0;
    }

    /// <summary>One change per line: sequence, commit time, where, what, how much, which run, and how late.</summary>
    static string Line(PartitionChange c) => string.Join("  ",
        c.Sequence.ToString(CultureInfo.InvariantCulture).PadLeft(6),
        c.CommittedAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        $"{c.Pipeline}/{c.Entity}",
        $"{(c.CleanDatabase is null ? string.Empty : c.CleanDatabase + ".")}{c.CleanTable}",
        c.Partition,
        c.Change.ToString().PadRight(7),
        string.Create(CultureInfo.InvariantCulture, $"+{c.RowsAdded} rows +{c.FilesAdded} files"),
        $"run {c.RunId} attempt {c.StepAttempt} ({c.GlueRunId})",
        c.Late ? $"LATE {c.LateDays}d" : string.Empty).TrimEnd();
}
