using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Glue;
using Orchestrator.Glue.Faults;

namespace Orchestrator.Tests.Glue.Faults;

/// <summary>
/// The fault decorator injects Glue's faults as the AWS backend would report them, at the configured rates, and the
/// same seed injects the same faults into the same calls.
/// </summary>
public sealed class FaultInjectingGlueBackendTests : IDisposable
{
    static readonly Dictionary<string, string> Arguments = new() { ["--source_entity_name"] = "sales" };
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_probabilities_every_call_reaches_Glue_unchanged()
    {
        var glue = new RecordingGlue();
        var faults = Decorate(glue, new GlueFaultOptions { Enabled = true });

        var start = await faults.StartJobRunAsync("job", Arguments, "run/sales/1", Token);
        var run = await faults.GetJobRunAsync("job", start.RunId, Token);

        Assert.Equal(glue.Runs.Single().Id, start.RunId);
        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Equal(2, glue.Calls);
    }

    [Fact]
    public async Task Throttling_is_Glues_ThrottlingException_with_HTTP_400_and_never_reaches_Glue()
    {
        var glue = new RecordingGlue();
        var faults = Decorate(glue, new GlueFaultOptions { Enabled = true, Throttling = 1 });

        var error = await Assert.ThrowsAsync<GlueException>(() => faults.GetCrawlerAsync("raw", Token));

        Assert.Equal(GlueErrorCodes.Throttling, error.ErrorCode);
        Assert.Equal(400, error.HttpStatus);
        Assert.False(error.IsPermanent);
        Assert.Equal(0, glue.Calls);
    }

    [Fact]
    public async Task A_server_error_is_InternalServiceException_with_HTTP_500()
    {
        var faults = Decorate(new RecordingGlue(), new GlueFaultOptions { Enabled = true, ServerErrors = 1 });

        var error = await Assert.ThrowsAsync<GlueException>(() => faults.StartJobRunAsync("job", Arguments, "run/sales/1", Token));

        Assert.Equal(GlueErrorCodes.InternalService, error.ErrorCode);
        Assert.Equal(500, error.HttpStatus);
    }

    [Fact]
    public async Task An_ambiguous_start_creates_the_run_loses_the_response_and_the_run_is_found_by_its_marker()
    {
        var glue = new RecordingGlue();
        var journal = directory.File("calls.jsonl");
        var faults = Decorate(glue, new GlueFaultOptions { Enabled = true, AmbiguousStarts = 1 }, journal);

        var error = await Assert.ThrowsAsync<GlueException>(() => faults.StartJobRunAsync("job", Arguments, "run/sales/1", Token));
        var found = await faults.FindJobRunByMarkerAsync("job", "run/sales/1", DateTimeOffset.MinValue, Token);

        Assert.Equal(GlueErrorCodes.InternalService, error.ErrorCode);
        var created = Assert.Single(glue.Runs);
        Assert.Equal(created.Id, found?.Id);
        faults.Dispose();
        var records = GlueCallJournal.Read(journal);
        Assert.Contains(records, r => r is { Operation: "StartJobRun", Fault: GlueFaults.AmbiguousStart, Created: true, Marker: "run/sales/1" } && r.RunId == created.Id);
        Assert.Contains(records, r => r.Operation == "GetJobRuns" && r.RunId == created.Id);
    }

    [Fact]
    public async Task A_failed_job_run_never_reaches_Glue_and_reads_FAILED_by_id_and_by_marker_even_in_a_new_process()
    {
        var glue = new RecordingGlue();
        var options = new GlueFaultOptions { Enabled = true, JobFailures = 1 };

        var start = await Decorate(glue, options).StartJobRunAsync("job", Arguments, "run/sales/1", Token);
        var restarted = Decorate(glue, options);
        var run = await restarted.GetJobRunAsync("job", start.RunId, Token);
        var found = await restarted.FindJobRunByMarkerAsync("job", "run/sales/1", DateTimeOffset.MinValue, Token);

        Assert.Empty(glue.Runs);
        Assert.False(start.Adopted);
        Assert.Equal(JobRunState.Failed, run.State);
        Assert.Contains("injected", run.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(start.RunId, found?.Id);
        Assert.Equal("run/sales/1", found?.Marker);
        Assert.Empty(await restarted.StopJobRunsAsync("job", [start.RunId], Token));
    }

    [Fact]
    public async Task A_slow_poll_answers_after_the_configured_delay()
    {
        var time = new FakeTimeProvider();
        var faults = new FaultInjectingGlueBackend(new RecordingGlue(),
            new GlueFaultOptions { Enabled = true, SlowPolls = 1, SlowPollDelay = TimeSpan.FromSeconds(2) }, time, NullLogger.Instance);

        var poll = faults.GetCrawlerAsync("raw", Token);
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(poll.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal(CrawlerState.Ready, (await poll).State);
    }

    [Fact]
    public async Task Faults_come_at_the_configured_rate()
    {
        var faults = Decorate(new RecordingGlue(), new GlueFaultOptions { Enabled = true, Throttling = 0.2, ServerErrors = 0.1, Seed = 7 });

        var outcomes = await OutcomesAsync(faults, 2000);

        Assert.InRange(outcomes.Count(o => o == GlueErrorCodes.Throttling) / 2000.0, 0.17, 0.23);
        // Server errors are drawn for the calls that were not throttled: 10% of the other 80%.
        Assert.InRange(outcomes.Count(o => o == GlueErrorCodes.InternalService) / 2000.0, 0.06, 0.10);
    }

    [Fact]
    public async Task The_same_seed_injects_the_same_faults_into_the_same_calls_and_another_seed_does_not()
    {
        GlueFaultOptions Options(int seed) => new() { Enabled = true, Throttling = 0.3, ServerErrors = 0.2, Seed = seed };

        var first = await OutcomesAsync(Decorate(new RecordingGlue(), Options(11)), 200);
        var again = await OutcomesAsync(Decorate(new RecordingGlue(), Options(11)), 200);
        var other = await OutcomesAsync(Decorate(new RecordingGlue(), Options(12)), 200);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task The_fault_a_call_gets_does_not_depend_on_the_calls_to_other_resources_in_between()
    {
        var options = new GlueFaultOptions { Enabled = true, Throttling = 0.5, Seed = 3 };
        var alone = Decorate(new RecordingGlue(), options);
        var interleaved = Decorate(new RecordingGlue(), options);

        var crawlerAlone = new List<string>();
        var crawlerInterleaved = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            crawlerAlone.Add(await OutcomeAsync(() => alone.GetCrawlerAsync("raw", Token)));
            await OutcomeAsync(() => interleaved.GetCrawlerAsync("clean", Token));
            crawlerInterleaved.Add(await OutcomeAsync(() => interleaved.GetCrawlerAsync("raw", Token)));
        }

        Assert.Equal(crawlerAlone, crawlerInterleaved);
    }

    public void Dispose() => directory.Dispose();

    static FaultInjectingGlueBackend Decorate(IGlueBackend glue, GlueFaultOptions options, string? journal = null) =>
        new(glue, options, TimeProvider.System, NullLogger.Instance, null, journal is null ? null : new GlueCallJournal(journal));

    static async Task<List<string>> OutcomesAsync(FaultInjectingGlueBackend faults, int calls)
    {
        var outcomes = new List<string>();
        for (var i = 0; i < calls; i++)
        {
            outcomes.Add(await OutcomeAsync(() => faults.GetJobAsync("job", Token)));
        }

        return outcomes;
    }

    static async Task<string> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "ok";
        }
        catch (GlueException ex)
        {
            return ex.ErrorCode;
        }
    }
}
