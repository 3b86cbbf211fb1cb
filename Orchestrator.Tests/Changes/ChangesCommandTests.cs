using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Glue.Local;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Changes;

/// <summary><c>orchestrator changes</c> against the local store, run as a user runs it: print, resume, follow, refuse.</summary>
public sealed partial class ChangesCommandTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Changes_prints_what_a_run_wrote_then_resumes_after_its_cursor_and_follow_prints_the_next_runs_changes()
    {
        var config = await TestHost.WriteConfigAsync(directory);
        Assert.Equal(0, (await HostProcess.RunAsync(["run", "data-preparation", "--entity", "sales", "--config", config])).ExitCode);

        var (exitCode, output) = await HostProcess.RunAsync(["changes", "--entity", "sales", "--config", config]);

        Assert.Equal(0, exitCode);
        var lines = ChangeLine().Matches(output).Select(m => m.Value).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Matches(@"data-preparation/sales  clean\.sales  order_date=\d{4}-\d\d-\d\d  Added .*\+\d+ rows \+\d+ files  run data-preparation@manual-", line));
        var cursor = Resume().Match(output).Groups[1].Value;
        Assert.NotEmpty(cursor);
        var (_, nothingNew) = await HostProcess.RunAsync(["changes", "--entity", "sales", "--after", cursor, "--config", config]);
        Assert.Empty(ChangeLine().Matches(nothingNew));

        using var follow = HostProcess.Start(["changes", "--entity", "sales", "--after", cursor, "--follow", "--interval", "0.2", "--config", config]);
        // Ingested a day later (new files), with events of days already in the clean zone.
        await new SampleDataGenerator(System.IO.Path.Combine(directory.Path, "data", "lake"), new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1)))
            .WriteAsync(new SampleDataOptions { Rows = 50, Days = 2, Seed = 9, Entities = ["sales"] }, Token);
        Assert.Equal(0, (await HostProcess.RunAsync(["run", "data-preparation", "--entity", "sales", "--config", config])).ExitCode);
        await follow.WaitForOutputAsync("Updated", TimeSpan.FromSeconds(60));
        var (followExit, _) = await follow.TerminateAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, followExit);
        Assert.DoesNotContain(lines, follow.Output.Contains);
        Assert.Matches(@"resume with --after \S+", follow.Output);
    }

    [Fact]
    public async Task Changes_of_an_unknown_pipeline_or_with_a_bad_cursor_exits_2_saying_why()
    {
        var config = await TestHost.WriteConfigAsync(directory, sampleRows: 0);

        var (unknown, unknownOutput) = await HostProcess.RunAsync(["changes", "--pipeline", "nope", "--config", config]);
        var (badCursor, badCursorOutput) = await HostProcess.RunAsync(["changes", "--after", "xyz", "--config", config]);

        Assert.Equal((2, 2), (unknown, badCursor));
        Assert.Contains("There is no pipeline 'nope'; configured: data-preparation.", unknownOutput, StringComparison.Ordinal);
        Assert.Contains("The cursor is not one this API returned", badCursorOutput, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*\d+  \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  .*$", RegexOptions.Multiline)]
    private static partial Regex ChangeLine();

    [GeneratedRegex(@"resume with --after (\S+)")]
    private static partial Regex Resume();

    public void Dispose() => directory.Dispose();
}
