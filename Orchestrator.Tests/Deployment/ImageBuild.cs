using System.Globalization;
using System.Text.RegularExpressions;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// One <c>podman build</c>: the image it made (null when it failed), what it printed, and its steps read from that
/// output (<c>[1/2] STEP 7/11: RUN …</c>, then <c>--> Using cache &lt;id&gt;</c> or <c>--> &lt;id&gt;</c>).
/// </summary>
public sealed partial record ImageBuild(string? ImageId, string Output)
{
    public IReadOnlyList<BuildStep> Steps { get; } = Parse(Output);

    /// <summary>The image each stage but the last ended with (the build stage's output, which the final image copies from).</summary>
    public IReadOnlyList<string> StageImages =>
        Steps.GroupBy(step => step.Stage).OrderBy(stage => stage.Key).SkipLast(1)
            .Select(stage => stage.Last().Result).OfType<string>().ToList();

    static List<BuildStep> Parse(string output)
    {
        var steps = new List<BuildStep>();
        foreach (var line in output.Split('\n'))
        {
            if (StepLine().Match(line) is { Success: true } step)
            {
                steps.Add(new BuildStep(
                    step.Groups["stage"].Success ? int.Parse(step.Groups["stage"].Value, CultureInfo.InvariantCulture) : 1,
                    int.Parse(step.Groups["number"].Value, CultureInfo.InvariantCulture),
                    step.Groups["instruction"].Value.Trim(),
                    Cached: false,
                    Result: null));
            }
            else if (ResultLine().Match(line) is { Success: true } result && steps.Count > 0)
            {
                // A cached step prints "--> Using cache <id>" and then "--> <short id>".
                steps[^1] = steps[^1] with { Cached = steps[^1].Cached || result.Groups["cached"].Success, Result = result.Groups["id"].Value };
            }
        }

        return steps;
    }

    [GeneratedRegex(@"^(\[(?<stage>[0-9]+)/[0-9]+\] )?STEP (?<number>[0-9]+)/[0-9]+: (?<instruction>.*)$")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"^--> (?<cached>Using cache )?(?<id>[0-9a-f]{8,64})\s*$")]
    private static partial Regex ResultLine();
}

/// <summary>One step of a build: its stage, its number in the stage, its instruction, whether the cache served it, the image it left.</summary>
public sealed record BuildStep(int Stage, int Number, string Instruction, bool Cached, string? Result);
