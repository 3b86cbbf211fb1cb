using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;
using Orchestrator.Sqlite;
using static Orchestrator.Tests.Glue.Local.DataPreparationJobTests;

namespace Orchestrator.Tests.Glue.Local;

public sealed class JobRunLifecycleTests
{
    static readonly Dictionary<string, string> CustomerArguments =
        TempLake.Arguments("customer", "created_datetime", "created_date");

    [Fact]
    public async Task A_run_has_a_glue_run_id_and_goes_from_running_to_succeeded_with_its_timing()
    {
        await using var lake = LakeWithRawData();
        var gate = Block(lake, JobStep.Staged, honourCancellation: false);

        var start = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/1", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);
        var running = await lake.Backend.GetJobRunAsync(TempLake.Job, start.RunId, lake.Token);
        lake.Time.Advance(TimeSpan.FromSeconds(42));
        gate.Release.SetResult();
        var done = await lake.WaitForRunAsync(start.RunId);

        Assert.Matches(new Regex("^jr_[0-9a-f]{64}$"), start.RunId);
        Assert.False(start.Adopted);
        Assert.Equal(JobRunState.Running, running.State);
        Assert.Null(running.CompletedOn);
        Assert.Equal(JobRunState.Succeeded, done.State);
        Assert.Equal(TempLake.Start, done.StartedOn);
        Assert.Equal(TempLake.Start.AddSeconds(42), done.CompletedOn);
        Assert.Equal(42, done.ExecutionTimeSeconds);
        Assert.Equal(TempLake.Job, done.JobName);
    }

    [Fact]
    public async Task The_marker_finds_the_run_and_a_start_with_the_same_marker_adopts_it()
    {
        await using var lake = LakeWithRawData();
        var run = await lake.RunJobAsync(CustomerArguments, marker: "pipeline@1/customer/1");

        var found = await lake.Backend.FindJobRunByMarkerAsync(
            TempLake.Job, "pipeline@1/customer/1", TempLake.Start.AddHours(-1), lake.Token);
        var tooOld = await lake.Backend.FindJobRunByMarkerAsync(
            TempLake.Job, "pipeline@1/customer/1", TempLake.Start.AddHours(1), lake.Token);
        var other = await lake.Backend.FindJobRunByMarkerAsync(
            TempLake.Job, "pipeline@1/customer/2", TempLake.Start.AddHours(-1), lake.Token);
        var again = await lake.Backend.StartJobRunAsync(
            TempLake.Job, CustomerArguments, "pipeline@1/customer/1", lake.Token);

        Assert.Equal(run.Id, found!.Id);
        Assert.Equal("pipeline@1/customer/1", found.Marker);
        Assert.Equal("customer", found.Arguments["--source_entity_name"]);
        Assert.Null(tooOld);
        Assert.Null(other);
        Assert.Equal(new JobRunStart(run.Id, Adopted: true), again);
    }

    [Fact]
    public async Task A_start_beyond_MaxConcurrentRuns_is_rejected_as_glue_does()
    {
        await using var lake = LakeWithRawData();
        lake.Options.Jobs[TempLake.Job].MaxConcurrentRuns = 1;
        var gate = Block(lake, JobStep.Staged, honourCancellation: false);
        var first = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/1", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);

        var rejected = await Assert.ThrowsAsync<GlueException>(() =>
            lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/2", lake.Token));

        Assert.Equal(GlueErrorCodes.ConcurrentRunsExceeded, rejected.ErrorCode);
        Assert.Contains("MaxConcurrentRuns is 1", rejected.Message, StringComparison.Ordinal);
        gate.Release.SetResult();
        Assert.Equal(JobRunState.Succeeded, (await lake.WaitForRunAsync(first.RunId)).State);
        var later = await lake.RunJobAsync(CustomerArguments, marker: "m/3");
        Assert.Equal(JobRunState.Succeeded, later.State);
    }

    [Fact]
    public async Task Stop_cancels_the_run_and_leaves_the_clean_zone_intact()
    {
        await using var lake = LakeWithRawData();
        await lake.RunJobAsync(CustomerArguments);
        var before = lake.CleanFiles("customer");
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=12", "b.jsonl",
            Json(new { customer_id = 9, created_datetime = "2026-03-10T11:00:00Z" }));
        var gate = Block(lake, JobStep.Staged, honourCancellation: true);
        var start = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/stop", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);

        var errors = await lake.Backend.StopJobRunsAsync(TempLake.Job, [start.RunId, "jr_unknown"], lake.Token);
        var stopped = await lake.WaitForRunAsync(start.RunId);
        var again = await lake.Backend.StopJobRunsAsync(TempLake.Job, [start.RunId], lake.Token);

        Assert.Equal(JobRunState.Stopped, stopped.State);
        Assert.Equal(before, lake.CleanFiles("customer"));
        var unknown = Assert.Single(errors);
        Assert.Equal(("jr_unknown", GlueErrorCodes.EntityNotFound), (unknown.JobRunId, unknown.ErrorCode));
        Assert.Contains("already finished (STOPPED)", Assert.Single(again).ErrorMessage, StringComparison.Ordinal);
        lake.Backend.StepHook = null;
        var next = await lake.RunJobAsync(CustomerArguments);
        Assert.Equal(1, next.Details!.RowsWritten);
    }

    [Fact]
    public async Task A_stop_asked_by_another_process_is_seen_when_the_owner_renews_its_lease()
    {
        await using var lake = LakeWithRawData();
        var gate = Block(lake, JobStep.Staged, honourCancellation: true);
        var start = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/remote", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);
        var otherProcess = lake.CreateBackend();

        Assert.Empty(await otherProcess.StopJobRunsAsync(TempLake.Job, [start.RunId], lake.Token));
        Assert.Equal(JobRunState.Stopping, (await lake.Backend.GetJobRunAsync(TempLake.Job, start.RunId, lake.Token)).State);
        lake.Time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal(JobRunState.Stopped, (await lake.WaitForRunAsync(start.RunId)).State);
    }

    [Fact]
    public async Task A_run_longer_than_the_job_timeout_ends_as_TIMEOUT()
    {
        await using var lake = LakeWithRawData();
        lake.Options.Jobs[TempLake.Job].Timeout = 1;
        var gate = Block(lake, JobStep.Staged, honourCancellation: true);
        var start = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/slow", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);

        lake.Time.Advance(TimeSpan.FromMinutes(2));
        var run = await lake.WaitForRunAsync(start.RunId);

        Assert.Equal(JobRunState.Timeout, run.State);
        Assert.Contains("timed out after 1 minutes", run.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(lake.CleanFiles("customer"));
    }

    [Fact]
    public async Task A_run_whose_owner_stopped_renewing_its_lease_is_taken_over_and_finished_by_the_next_process()
    {
        await using var lake = LakeWithRawData();
        var gate = Block(lake, JobStep.Staged, honourCancellation: false);
        var start = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/orphan", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);

        // The first process stops renewing (its clock stands still); the new one starts five minutes later.
        var restarted = lake.CreateBackend(new FakeTimeProvider(TempLake.Start.AddMinutes(5)));
        var seen = await restarted.GetJobRunAsync(TempLake.Job, start.RunId, lake.Token);
        var byMarker = await restarted.FindJobRunByMarkerAsync(
            TempLake.Job, "m/orphan", TempLake.Start.AddHours(-1), lake.Token);

        Assert.Equal(JobRunState.Running, seen.State);
        Assert.Equal(start.RunId, byMarker!.Id);

        // The old process wakes up late: its verdict is fenced off, the new owner's run finishes it, rows once.
        gate.Release.SetResult();
        var done = await lake.WaitForRunAsync(start.RunId, restarted);
        Assert.Equal(JobRunState.Succeeded, done.State);
        Assert.False(done.Interrupted);
        Assert.Equal([1L, 1L], lake.Query($"SELECT count(*), count(DISTINCT customer_id) FROM {lake.Clean("customer")}")[0]);
    }

    [Fact]
    public async Task At_start_up_a_run_of_a_process_of_this_machine_that_is_gone_is_resumed_at_once_and_finishes()
    {
        await using var lake = LakeWithRawData();
        var deadOwner = $"{Environment.MachineName}/{int.MaxValue}/0/crashed";
        var elsewhere = $"another-machine/{int.MaxValue}/0/alive";
        await InsertRunAsync(lake, "jr_dead", "m/dead", deadOwner, restarts: 0);
        await InsertRunAsync(lake, "jr_elsewhere", "m/elsewhere", elsewhere, restarts: 0);

        await lake.Backend.StartAsync(lake.Token);
        var resumed = await lake.WaitForRunAsync("jr_dead");
        var other = await lake.Backend.GetJobRunAsync(TempLake.Job, "jr_elsewhere", lake.Token);

        Assert.Equal(JobRunState.Succeeded, resumed.State);
        Assert.Equal(1, resumed.Details!.RowsWritten);
        Assert.Equal("m/dead", resumed.Marker);
        // A process of another machine whose lease still runs may be alive: its run is left alone.
        Assert.Equal(JobRunState.Running, other.State);
    }

    [Fact]
    public async Task A_run_restarted_too_often_or_asked_to_stop_is_not_resumed()
    {
        await using var lake = LakeWithRawData();
        var deadOwner = $"{Environment.MachineName}/{int.MaxValue}/0/crashed";
        await InsertRunAsync(lake, "jr_poison", "m/poison", deadOwner, restarts: 3);
        await InsertRunAsync(lake, "jr_stopping", "m/stopping", deadOwner, restarts: 0, stopRequested: true);

        var poison = await lake.Backend.GetJobRunAsync(TempLake.Job, "jr_poison", lake.Token);
        var stopping = await lake.Backend.GetJobRunAsync(TempLake.Job, "jr_stopping", lake.Token);

        Assert.Equal(JobRunState.Failed, poison.State);
        Assert.True(poison.Interrupted);
        Assert.Contains("stopped before it finished 4 times; it is not resumed again", poison.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(JobRunState.Stopped, stopping.State);
        Assert.False(stopping.Interrupted);
        Assert.Empty(lake.CleanFiles("customer"));
    }

    [Fact]
    public async Task Shutting_the_backend_down_leaves_its_runs_to_the_next_instance_which_resumes_them()
    {
        await using var lake = LakeWithRawData();
        var gate = Block(lake, JobStep.Staged, honourCancellation: true);
        var start = await lake.Backend.StartJobRunAsync(TempLake.Job, CustomerArguments, "m/shutdown", lake.Token);
        await gate.Reached.Task.WaitAsync(lake.Token);

        await lake.Backend.DisposeAsync();
        Assert.Empty(lake.CleanFiles("customer"));
        var next = lake.CreateBackend();
        var run = await lake.WaitForRunAsync(start.RunId, next);

        Assert.Equal(JobRunState.Succeeded, run.State);
        Assert.Equal(1, run.Details!.RowsWritten);
        Assert.Equal([1L, 1L], lake.Query($"SELECT count(*), count(DISTINCT customer_id) FROM {lake.Clean("customer")}")[0]);
    }

    [Fact]
    public async Task Unknown_jobs_crawlers_and_runs_are_EntityNotFound()
    {
        await using var lake = new TempLake();
        var backend = lake.Backend;

        var job = await Assert.ThrowsAsync<GlueException>(() => backend.GetJobAsync("nope", lake.Token));
        var start = await Assert.ThrowsAsync<GlueException>(() =>
            backend.StartJobRunAsync("nope", CustomerArguments, "m", lake.Token));
        var crawler = await Assert.ThrowsAsync<GlueException>(() => backend.StartCrawlerAsync("nope", lake.Token));
        var run = await Assert.ThrowsAsync<GlueException>(() =>
            backend.GetJobRunAsync(TempLake.Job, "jr_missing", lake.Token));

        Assert.All([job, start, crawler, run], e => Assert.Equal(GlueErrorCodes.EntityNotFound, e.ErrorCode));
        Assert.All([job, start, crawler, run], e => Assert.True(e.IsPermanent));
        Assert.Contains($"Job 'nope' is not declared under Orchestrator:Glue:Local:Jobs (declared: {TempLake.Job})",
            job.Message, StringComparison.Ordinal);
        Assert.Contains("Crawler 'nope'", crawler.Message, StringComparison.Ordinal);
        Assert.Contains("jr_missing", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetJob_reports_the_declared_job()
    {
        await using var lake = new TempLake();

        var job = await lake.Backend.GetJobAsync(TempLake.Job, lake.Token);

        Assert.Equal((TempLake.Job, 10, 60), (job.Name, job.MaxConcurrentRuns, job.TimeoutMinutes));
        Assert.Equal("raw", job.DefaultArguments["--raw_db_name"]);
        Assert.Equal("Local", lake.Backend.Kind);
    }

    static TempLake LakeWithRawData()
    {
        var lake = new TempLake();
        lake.WriteJsonLines("customer", "ingest_date=2026-03-10/ingest_hour=11", "a.jsonl",
            Json(new { customer_id = 1, created_datetime = "2026-03-10T10:00:00Z" }));
        return lake;
    }

    /// <summary>Records a RUNNING run of the customer job as another process would have left it.</summary>
    static async Task InsertRunAsync(TempLake lake, string id, string marker, string owner, int restarts, bool stopRequested = false)
    {
        var database = new CatalogDatabase(lake.Options.CatalogPath);
        database.Migrate(TimeProvider.System);
        var arguments = new Dictionary<string, string>(CustomerArguments) { [GlueArguments.RunMarker] = marker };
        await database.WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            INSERT INTO JobRuns (Id, JobName, Marker, State, Arguments, StartedTime, LastModifiedTime, Owner,
                                 LeaseExpiration, Restarts, StopRequested)
            VALUES (@Id, @JobName, @Marker, 'RUNNING', @Arguments, @Now, @Now, @Owner, @Lease, @Restarts, @StopRequested)
            """, new
        {
            Id = id,
            JobName = TempLake.Job,
            Marker = marker,
            Arguments = System.Text.Json.JsonSerializer.Serialize(arguments),
            Now = SqliteTime.ToText(TempLake.Start),
            Owner = owner,
            Lease = SqliteTime.ToText(TempLake.Start.AddMinutes(1)),
            Restarts = restarts,
            StopRequested = stopRequested,
        }, transaction), lake.Token);
    }

    /// <summary>Holds every run at <paramref name="step"/> until released (or, if honoured, cancelled).</summary>
    static (TaskCompletionSource Reached, TaskCompletionSource Release) Block(
        TempLake lake, JobStep step, bool honourCancellation)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lake.Backend.StepHook = async (_, at, cancellationToken) =>
        {
            if (at == step)
            {
                reached.TrySetResult();
                await (honourCancellation ? release.Task.WaitAsync(cancellationToken) : release.Task);
            }
        };
        return (reached, release);
    }
}
