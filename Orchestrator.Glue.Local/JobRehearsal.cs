using System.Globalization;

namespace Orchestrator.Glue.Local;

/// <summary>
/// Fault injection for rehearsing retries, timeouts, terminations, redrives and host restarts on the local engine,
/// driven by job arguments so a pipeline's configuration can ask for it per entity:
/// <c>--rehearse_delay_seconds</c> keeps each run RUNNING that long before it works (a stop or the job's Timeout
/// interrupts it), <c>--rehearse_failures N</c> fails the first N attempts of each run of the pipeline (the
/// attempt is the last part of the orchestrator's run marker), and <c>--rehearse_commit_pause_seconds</c> pauses
/// after each partition moved into the clean zone, widening the commit window a host restart can hit.
/// </summary>
static class JobRehearsal
{
    public const string DelayArgument = "--rehearse_delay_seconds";
    public const string FailuresArgument = "--rehearse_failures";
    public const string CommitPauseArgument = "--rehearse_commit_pause_seconds";

    /// <summary><paramref name="inner"/>, preceded by the commit pause the arguments ask for, if any.</summary>
    public static JobStepHook? CommitPause(IReadOnlyDictionary<string, string> arguments, TimeProvider time, JobStepHook? inner)
    {
        var pause = TimeSpan.FromSeconds(Number(arguments, CommitPauseArgument));
        if (pause <= TimeSpan.Zero)
        {
            return inner;
        }

        return async (runId, step, cancellationToken) =>
        {
            if (step == JobStep.PartitionMoved)
            {
                // Not cancellable, as the commit it stands in for: only a killed process stops half-way.
                await Task.Delay(pause, time, CancellationToken.None);
            }

            if (inner is not null)
            {
                await inner(runId, step, cancellationToken);
            }
        };
    }

    /// <summary>Waits out the delay, then fails the run if its attempt is one of the rehearsed failures.</summary>
    public static async Task ApplyAsync(IReadOnlyDictionary<string, string> arguments, TimeProvider time, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(Number(arguments, DelayArgument));
        var failures = (int)Number(arguments, FailuresArgument);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }

        var attempt = arguments.TryGetValue(GlueArguments.RunMarker, out var marker)
            && int.TryParse(marker[(marker.LastIndexOf('/') + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? number
                : 1;
        if (attempt <= failures)
        {
            throw new LakeInputException($"Rehearsed failure: attempt {attempt} of the first {failures} fails ({FailuresArgument}).");
        }
    }

    static double Number(IReadOnlyDictionary<string, string> arguments, string name) =>
        arguments.TryGetValue(name, out var text)
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? value
                : throw new LakeInputException($"Argument {name} '{text}' is not a non-negative number.")
            : 0;
}
