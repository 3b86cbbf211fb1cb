using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orchestrator.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>
/// The embedded Glue engine: crawlers and data-preparation jobs declared in <see cref="LocalGlueOptions"/>, run in
/// the background of this process on DuckDB, with Glue's states and errors. Run and crawl records live in the
/// catalog file, so they survive restarts and can be shared with other processes; each active run holds a lease
/// this instance renews. A run or crawl whose process is gone (killed, or shut down mid-run) is taken over by the
/// next instance that looks, at its start at the latest, and started again from its last safe point: a job before
/// its commit point starts over, after it finishes the journal; a crawl crawls again. Only one that cannot be
/// resumed is reported FAILED, marked interrupted.
/// </summary>
public sealed class LocalGlueBackend : IGlueBackend, IHostedService, IAsyncDisposable, IDisposable
{
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    static readonly TimeSpan LeaseRenewal = TimeSpan.FromSeconds(15);

    readonly LocalGlueOptions options;
    readonly TimeProvider timeProvider;
    readonly ILogger<LocalGlueBackend> logger;
    readonly LocalGlueMetrics? metrics;
    readonly LakeLayout layout;
    readonly CatalogDatabase catalog;
    readonly JobRunRecords jobRuns;
    readonly CrawlRecords crawls;
    readonly BackgroundRuns background = new();
    readonly SemaphoreSlim startGate = new(1, 1);
    readonly string owner;
    ITimer? leaseTimer;
    int renewing;
    bool started;
    bool catalogReady;
    int disposed;

    public LocalGlueBackend(LocalGlueOptions options, TimeProvider timeProvider, ILogger<LocalGlueBackend> logger)
        : this(options, timeProvider, logger, null)
    {
    }

    internal LocalGlueBackend(LocalGlueOptions options, TimeProvider timeProvider, ILogger<LocalGlueBackend> logger, LocalGlueMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.metrics = metrics;
        layout = new LakeLayout(options.LakeRoot);
        catalog = new CatalogDatabase(options.CatalogPath);
        owner = ProcessOwner.NewInstance();
        jobRuns = new JobRunRecords(catalog, owner);
        crawls = new CrawlRecords(catalog, owner);
    }

    public string Kind => "Local";

    /// <summary>Called at each <see cref="JobStep"/> of every job run, to inject faults.</summary>
    internal JobStepHook? StepHook { get; set; }

    /// <summary>Starts the engine with the host, so runs and crawls a dead process left resume at once.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureStartedAsync(cancellationToken);
        }
        catch (Exception failure) when (failure is SqliteException or IOException or UnauthorizedAccessException)
        {
            // The first Glue call tries again and reports the problem to the step that made it.
            logger.CatalogUnavailable(failure, options.CatalogPath);
        }
    }

    /// <summary>Nothing to do: disposal ends the runs (the durable worker has stopped polling them by then).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<CrawlerStartResult> StartCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        var crawler = Crawler(crawlerName);
        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        if (await crawls.BeginAsync(crawlerName, now, now + Lease, cancellationToken) is not { } crawlId)
        {
            return CrawlerStartResult.AlreadyRunning;
        }

        logger.CrawlStarted(crawlerName, crawlId);
        background.Start(CrawlKey(crawlId), signals => ExecuteCrawlAsync(crawlerName, crawler, crawlId, signals));
        return CrawlerStartResult.Started;
    }

    public async Task<GlueCrawler> GetCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        Crawler(crawlerName);
        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        return await crawls.GetAsync(crawlerName, cancellationToken);
    }

    public async Task StopCrawlerAsync(string crawlerName, CancellationToken cancellationToken)
    {
        Crawler(crawlerName);
        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        // Not running is not an error (Glue's CrawlerNotRunning counts as stopped); another process's crawl
        // sees the request when it renews its lease.
        if (await crawls.RequestStopAsync(crawlerName, cancellationToken) is { } crawl && crawl.Owner == owner)
        {
            background.TryStop(CrawlKey(crawl.CrawlId));
        }
    }

    public Task<GlueJob> GetJobAsync(string jobName, CancellationToken cancellationToken)
    {
        var job = Job(jobName);
        return Task.FromResult(new GlueJob(jobName, job.MaxConcurrentRuns, job.Timeout, job.DefaultArguments));
    }

    public async Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments,
        string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrWhiteSpace(marker);
        var job = Job(jobName);
        if (arguments.Keys.FirstOrDefault(k => !k.StartsWith("--", StringComparison.Ordinal)) is { } bad)
        {
            throw new GlueException(GlueErrorCodes.InvalidInput,
                $"Argument '{bad}' of job '{jobName}' must start with '--', as Glue job arguments do.", 400);
        }

        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        var runArguments = new Dictionary<string, string>(arguments, StringComparer.Ordinal)
        {
            [GlueArguments.RunMarker] = marker,
        };
        var now = timeProvider.GetUtcNow();
        var run = new NewJobRun(NewRunId(), jobName, marker, runArguments, now, now + Lease);
        var (outcome, runId) = await jobRuns.StartAsync(run, job.MaxConcurrentRuns, cancellationToken);
        switch (outcome)
        {
            case JobRunStartOutcome.Adopted:
                logger.JobRunAdopted(jobName, runId);
                return new JobRunStart(runId, Adopted: true);
            case JobRunStartOutcome.LimitReached:
                throw new GlueException(GlueErrorCodes.ConcurrentRunsExceeded,
                    $"Concurrent runs exceeded for job '{jobName}': MaxConcurrentRuns is {job.MaxConcurrentRuns}.", 400);
        }

        logger.JobRunStarted(jobName, runId);
        var context = new JobRunContext(runId, jobName, job, runArguments, now);
        background.Start(runId, signals => ExecuteJobRunAsync(context, signals));
        return new JobRunStart(runId, Adopted: false);
    }

    public async Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken)
    {
        var job = Job(jobName);
        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        var run = await jobRuns.GetAsync(jobName, runId, timeProvider.GetUtcNow(), cancellationToken)
            ?? throw new GlueException(GlueErrorCodes.EntityNotFound,
                $"Job run '{runId}' of job '{jobName}' was not found.", 400);
        return Estimated(run, job);
    }

    /// <summary>The run with the capacity and DPU-seconds the AWS job of the configured size would be billed.</summary>
    static GlueJobRun Estimated(GlueJobRun run, LocalJobOptions job)
    {
        var capacity = job.Capacity();
        return run with { Capacity = capacity, DpuSeconds = capacity.BilledDpuSeconds(run.ExecutionTimeSeconds, null) };
    }

    public async Task<GlueJobRun?> FindJobRunByMarkerAsync(
        string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        var job = Job(jobName);
        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        return await jobRuns.FindByMarkerAsync(jobName, marker, notBefore, timeProvider.GetUtcNow(), cancellationToken) is { } run
            ? Estimated(run, job)
            : null;
    }

    public Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken) =>
        Task.FromResult(run.Details is { } details
            ? new JobRunOutput(details.PartitionWrites())
            : new JobRunOutput([], $"job run {run.Id} has no commit record"));

    /// <summary>From the job's bookmarks, which are exact: <paramref name="processedBefore"/> is not needed.</summary>
    public async Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments,
        DateTimeOffset? processedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var job = Job(jobName);
        await EnsureCatalogAsync(cancellationToken);
        DataPreparationArguments parsed;
        try
        {
            parsed = DataPreparationArguments.Parse(job.DefaultArguments, arguments, options.Crawlers);
        }
        catch (LakeInputException input)
        {
            throw new GlueException(GlueErrorCodes.InvalidInput, input.Message, 400);
        }

        var check = await RawBacklog.CheckAsync(layout, catalog, jobName, parsed, cancellationToken);
        logger.RawDataChecked(jobName, parsed.TargetEntity, check.HasNewData, check.NewFiles ?? 0);
        return check;
    }

    public async Task<IReadOnlyList<JobRunStopError>> StopJobRunsAsync(
        string jobName, IReadOnlyList<string> runIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        Job(jobName);
        await EnsureStartedAsync(cancellationToken);
        await ResumeAbandonedAsync(cancellationToken);
        var errors = new List<JobRunStopError>();
        foreach (var runId in runIds)
        {
            var stop = await jobRuns.RequestStopAsync(jobName, runId, timeProvider.GetUtcNow(), cancellationToken);
            if (stop is null)
            {
                errors.Add(new JobRunStopError(runId, GlueErrorCodes.EntityNotFound,
                    $"Job run '{runId}' of job '{jobName}' was not found."));
            }
            else if (stop.Value.State.IsTerminal)
            {
                errors.Add(new JobRunStopError(runId, GlueErrorCodes.InvalidInput,
                    $"Job run '{runId}' has already finished ({stop.Value.State})."));
            }
            else if (stop.Value.Owner == owner)
            {
                background.TryStop(runId);
            }
        }

        return errors;
    }

    /// <summary>For containers disposed synchronously; it waits for the runs to end, as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Ends every run and crawl of this instance and leaves them to the next instance, which resumes them (their
    /// lease ends now).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await background.DrainAsync();
        if (leaseTimer is not null)
        {
            await leaseTimer.DisposeAsync();
        }

        background.Dispose();
        startGate.Dispose();
    }

    async Task ExecuteJobRunAsync(JobRunContext run, RunSignals signals)
    {
        // A resumed run keeps the time it started: the job's Timeout counts from then.
        var timeoutAfter = TimeSpan.FromMinutes(run.Job.Timeout) - (timeProvider.GetUtcNow() - run.StartedOn);
        using var timeout = new CancellationTokenSource(
            timeoutAfter > TimeSpan.Zero ? timeoutAfter : TimeSpan.FromTicks(1), timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(signals.Stop, signals.Shutdown, timeout.Token);
        var startedAt = timeProvider.GetTimestamp();
        DataPreparationResult? result = null;
        JobRunState state;
        string? error = null;
        try
        {
            await jobRuns.UpdateAsync(run.RunId, JobRunState.Running, timeProvider.GetUtcNow());
            await JobRehearsal.ApplyAsync(run.Arguments, timeProvider, linked.Token);
            var job = new DataPreparationJob(options, layout, catalog, timeProvider, logger,
                JobRehearsal.CommitPause(run.Arguments, timeProvider, StepHook));
            result = await job.RunAsync(run, linked.Token);
            state = JobRunState.Succeeded;
        }
        catch (OperationCanceledException) when (signals.Shutdown.IsCancellationRequested
            && !signals.Stop.IsCancellationRequested && !timeout.IsCancellationRequested)
        {
            await LeaveToNextHostAsync(() => jobRuns.ReleaseAsync(run.RunId, timeProvider.GetUtcNow()), "Job run", run.RunId);
            return;
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            (state, error) = signals.Stop.IsCancellationRequested ? (JobRunState.Stopped, "Job run stopped on request.")
                : (JobRunState.Timeout, $"Job run timed out after {run.Job.Timeout} minutes (Timeout of job '{run.JobName}').");
        }
        catch (LakeInputException input)
        {
            (state, error) = (JobRunState.Failed, input.Message);
        }
        catch (Exception failure)
        {
            // A run's failure is its FAILED state; nothing may escape the background task.
            logger.JobRunFailed(failure, run.RunId, run.JobName);
            (state, error) = (JobRunState.Failed, failure.Message);
        }

        try
        {
            await jobRuns.UpdateAsync(run.RunId, state, timeProvider.GetUtcNow(), error, result?.Details);
        }
        catch (Exception failure)
        {
            // The catalog refused the verdict; the run stays active there until this process ends.
            logger.JobRunEndNotRecorded(failure, run.RunId);
        }

        metrics?.RecordJobRun(run.JobName, state.Value, timeProvider.GetElapsedTime(startedAt), result);
        logger.JobRunEnded(run.RunId, run.JobName, state.Value);
    }

    async Task ExecuteCrawlAsync(string crawlerName, LocalCrawlerOptions crawler, long crawlId, RunSignals signals)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(signals.Stop, signals.Shutdown);
        CrawlOutcome outcome;
        try
        {
            if (crawler.RehearseDelay > TimeSpan.Zero)
            {
                await Task.Delay(crawler.RehearseDelay, timeProvider, linked.Token);
            }

            outcome = await new LocalCrawler(options, layout, catalog, timeProvider, logger)
                .RunAsync(crawlerName, crawler, linked.Token);
        }
        catch (OperationCanceledException) when (signals.Shutdown.IsCancellationRequested && !signals.Stop.IsCancellationRequested)
        {
            await LeaveToNextHostAsync(() => crawls.ReleaseAsync(crawlId), "Crawl", crawlId);
            return;
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            outcome = new CrawlOutcome(CrawlStatus.Cancelled, "Crawl stopped on request.", 0, 0, 0);
        }
        catch (LakeInputException input)
        {
            outcome = new CrawlOutcome(CrawlStatus.Failed, input.Message, 0, 0, 0);
        }
        catch (Exception failure)
        {
            // A crawl's failure is its FAILED status; nothing may escape the background task.
            logger.CrawlFailed(failure, crawlerName);
            outcome = new CrawlOutcome(CrawlStatus.Failed, failure.Message, 0, 0, 0);
        }

        try
        {
            await crawls.CompleteAsync(crawlId, outcome, timeProvider.GetUtcNow());
        }
        catch (Exception failure)
        {
            // The catalog refused the verdict; the crawl stays RUNNING there until this process ends.
            logger.CrawlEndNotRecorded(failure, crawlId);
        }

        logger.CrawlEnded(crawlerName, outcome.Status.Value);
    }

    /// <summary>Everything once per instance: the catalog, the lease timer and the take-over of abandoned runs.</summary>
    Task EnsureStartedAsync(CancellationToken cancellationToken) => OnceAsync(() => Volatile.Read(ref started), async () =>
    {
        MigrateCatalog();
        leaseTimer = timeProvider.CreateTimer(_ => _ = RenewLeasesAsync(), null, LeaseRenewal, LeaseRenewal);
        Volatile.Write(ref started, true);
        await ResumeAbandonedAsync(cancellationToken);
    }, cancellationToken);

    /// <summary>
    /// Only the catalog, for a read that must start nothing (plan): no lease timer, no take-over of abandoned runs,
    /// which a short-lived CLI process must leave to a serving host.
    /// </summary>
    Task EnsureCatalogAsync(CancellationToken cancellationToken) => OnceAsync(() => Volatile.Read(ref catalogReady), () =>
    {
        MigrateCatalog();
        return Task.CompletedTask;
    }, cancellationToken);

    /// <summary>Runs <paramref name="start"/> under the start gate unless <paramref name="done"/> says it already has.</summary>
    async Task OnceAsync(Func<bool> done, Func<Task> start, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) == 1, this);
        if (done())
        {
            return;
        }

        await startGate.WaitAsync(cancellationToken);
        try
        {
            if (!done())
            {
                await start();
            }
        }
        finally
        {
            startGate.Release();
        }
    }

    /// <summary>Brings the catalog to the current schema once per instance; called under the start gate.</summary>
    void MigrateCatalog()
    {
        if (catalogReady)
        {
            return;
        }

        var before = catalog.Migrate(timeProvider);
        if (before > 0 && before < CatalogDatabase.SchemaVersion)
        {
            CatalogLog.Upgraded(logger, catalog.Path, before, CatalogDatabase.SchemaVersion);
        }

        Volatile.Write(ref catalogReady, true);
    }

    async Task RenewLeasesAsync()
    {
        if (Interlocked.Exchange(ref renewing, 1) == 1 || background.IsShuttingDown)
        {
            return;
        }

        try
        {
            var until = timeProvider.GetUtcNow() + Lease;
            foreach (var runId in await jobRuns.RenewLeasesAsync(until, CancellationToken.None))
            {
                background.TryStop(runId);
            }

            foreach (var crawlId in await crawls.RenewLeasesAsync(until, CancellationToken.None))
            {
                background.TryStop(CrawlKey(crawlId));
            }

            // Runs of processes on other machines are found when their lease runs out, even if nobody polls them.
            await ResumeAbandonedAsync(CancellationToken.None);
        }
        catch (Exception failure)
        {
            // The next tick retries; a failed renewal must not crash the timer thread.
            logger.LeaseRenewalFailed(failure);
        }
        finally
        {
            Volatile.Write(ref renewing, 0);
        }
    }

    /// <summary>
    /// Takes over the job runs and crawls whose process is gone and starts them again here. Cheap when there are none
    /// (one read), so every Glue call makes it: a restarted host resumes them at its first look.
    /// </summary>
    async Task ResumeAbandonedAsync(CancellationToken cancellationToken)
    {
        if (background.IsShuttingDown)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var run in await jobRuns.TakeOverAbandonedAsync(now, now + Lease, options.Jobs.ContainsKey, cancellationToken))
        {
            logger.JobRunTakenOver(run.Id, run.JobName, run.Restarts, AbandonedRun.MaxRestarts);
            var context = new JobRunContext(run.Id, run.JobName, options.Jobs[run.JobName], run.Arguments, run.StartedOn);
            background.Start(run.Id, signals => ExecuteJobRunAsync(context, signals));
        }

        foreach (var crawl in await crawls.TakeOverAbandonedAsync(now, now + Lease, options.Crawlers.ContainsKey, cancellationToken))
        {
            logger.CrawlTakenOver(crawl.Id, crawl.CrawlerName, crawl.Restarts, AbandonedRun.MaxRestarts);
            var crawler = options.Crawlers[crawl.CrawlerName];
            background.Start(CrawlKey(crawl.Id), signals => ExecuteCrawlAsync(crawl.CrawlerName, crawler, crawl.Id, signals));
        }
    }

    /// <summary>Ends a run's lease now, so the next instance takes it over at once instead of a lease later.</summary>
    async Task LeaveToNextHostAsync(Func<Task> release, string what, object id)
    {
        try
        {
            await release();
            logger.LeftToNextStart(what, id.ToString()!);
        }
        catch (Exception failure)
        {
            // Its lease runs out on its own.
            logger.LeavingToNextStartFailed(failure, what, id.ToString()!);
        }
    }

    LocalCrawlerOptions Crawler(string crawlerName) =>
        options.Crawlers.GetValueOrDefault(crawlerName) ?? throw new GlueException(GlueErrorCodes.EntityNotFound,
            $"Crawler '{crawlerName}' is not declared under {LocalGlueOptions.SectionPath}:Crawlers " +
            $"(declared: {Names(options.Crawlers.Keys)}).", 400);

    LocalJobOptions Job(string jobName) =>
        options.Jobs.GetValueOrDefault(jobName) ?? throw new GlueException(GlueErrorCodes.EntityNotFound,
            $"Job '{jobName}' is not declared under {LocalGlueOptions.SectionPath}:Jobs " +
            $"(declared: {Names(options.Jobs.Keys)}).", 400);

    static string Names(IEnumerable<string> names)
    {
        var list = string.Join(", ", names.Order(StringComparer.Ordinal));
        return list.Length == 0 ? "none" : list;
    }

    static string CrawlKey(long crawlId) => "crawl:" + crawlId.ToString(CultureInfo.InvariantCulture);

    // Glue's run ids are "jr_" and 64 hex digits. They must be unique across processes and restarts, so they
    // come from the OS random source, not from a seed.
    static string NewRunId() => "jr_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
