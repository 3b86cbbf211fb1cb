using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// The service killed with SIGKILL at ten seeded moments across one run's life (raw crawl, fan-out, commit window,
/// clean crawl) and started again each time: the run must not notice, apart from taking longer.
/// </summary>
public sealed class HostSoakTests : IDisposable
{
    readonly TempDirectory directory = new();

    [Fact]
    public async Task Ten_seeded_SIGKILLs_across_one_run_cost_no_attempt_no_row_and_no_more_than_5_s_each()
    {
        var report = await HostSoak.RunAsync(new SoakOptions(HostSoak.Across(10), Seed: 20261201, directory.Path), TestContext.Current.CancellationToken);
        var kills = string.Join("\n", report.Kills.Select(k => $"  {k}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"run {report.RunId} {report.Status} in {report.Duration}, engine restarts {report.EngineRestarts}:\n{kills}\n  {string.Join("\n  ", report.Steps)}");

        Assert.True(report.Status == "Succeeded", $"run {report.RunId} ended {report.Status}; steps: {string.Join("; ", report.Steps)}");
        Assert.Equal(10, report.Kills.Count);
        Assert.All(new[] { SoakPhase.RawCrawl, SoakPhase.FanOut, SoakPhase.CommitWindow, SoakPhase.CleanCrawl },
            phase => Assert.True(report.Kills.Any(k => k.Hit == phase), $"no kill hit the {phase}:\n{kills}"));
        // Recovery, from the run's own history: its first event after the restarted worker attached to the store.
        Assert.All(report.Kills, k => Assert.True(k.Recovery is { } recovery && recovery < TimeSpan.FromSeconds(5), $"slow or no recovery:\n{kills}"));
        Assert.All(report.Steps, s => Assert.Empty(s.CountedFailures));
        Assert.NotEmpty(report.JobRunsPerMarker);
        Assert.All(report.JobRunsPerMarker, m => Assert.Equal(1, m.Value));
        Assert.All(report.Rows, r => Assert.Equal(r.Value.Raw, r.Value.Clean));
        Assert.True(report.EngineRestarts > 0, "the local engine never resumed anything: the kills missed the work");
    }

    public void Dispose() => directory.Dispose();
}
