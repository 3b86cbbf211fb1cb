using System.Text.Json;
using Dapper;
using Orchestrator.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>A job run about to be recorded as STARTING.</summary>
sealed record NewJobRun(
    string Id,
    string JobName,
    string Marker,
    IReadOnlyDictionary<string, string> Arguments,
    DateTimeOffset StartedOn,
    DateTimeOffset LeaseUntil);

/// <summary>What recording a start did: started it, found the same marker's run, or hit the concurrency limit.</summary>
enum JobRunStartOutcome
{
    Started,
    Adopted,
    LimitReached,
}

/// <summary>An abandoned job run this process took over, to start again.</summary>
sealed record ResumedJobRun(
    string Id, string JobName, IReadOnlyDictionary<string, string> Arguments, DateTimeOffset StartedOn, int Restarts);

/// <summary>
/// Job run records in the catalog, so runs outlive the process that ran them. The owner renews a lease while a run
/// is active; a run whose lease ran out, or whose owner is a dead process of this machine, is taken over by the next
/// process that looks and started again. Every update is fenced by owner and state, so a late writer never
/// overwrites a newer verdict. <paramref name="owner"/> is this backend instance: its own runs are alive by
/// definition and never declared abandoned here.
/// </summary>
sealed class JobRunRecords(CatalogDatabase database, string owner)
{
    const string ActiveStates = "('STARTING', 'RUNNING', 'STOPPING')";
    const string Columns =
        "Id, JobName, State, ErrorMessage, Arguments, StartedTime, CompletedTime, Details, Interrupted";

    public Task<(JobRunStartOutcome Outcome, string RunId)> StartAsync(
        NewJobRun run, int maxConcurrentRuns, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var existing = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
                SELECT Id FROM JobRuns WHERE JobName = @JobName AND Marker = @Marker ORDER BY StartedTime DESC LIMIT 1
                """, new { run.JobName, run.Marker }, transaction, cancellationToken: cancellationToken));
            if (existing is not null)
            {
                return (JobRunStartOutcome.Adopted, existing);
            }

            var active = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT count(*) FROM JobRuns WHERE JobName = @JobName AND State IN {ActiveStates}",
                new { run.JobName }, transaction, cancellationToken: cancellationToken));
            if (active >= maxConcurrentRuns)
            {
                return (JobRunStartOutcome.LimitReached, string.Empty);
            }

            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO JobRuns (Id, JobName, Marker, State, Arguments, StartedTime, LastModifiedTime, Owner,
                                     LeaseExpiration)
                VALUES (@Id, @JobName, @Marker, 'STARTING', @Arguments, @Started, @Started, @Owner, @Lease)
                """, new
            {
                run.Id,
                run.JobName,
                run.Marker,
                Arguments = JsonSerializer.Serialize(run.Arguments),
                Started = SqliteTime.ToText(run.StartedOn),
                Owner = owner,
                Lease = SqliteTime.ToText(run.LeaseUntil),
            }, transaction, cancellationToken: cancellationToken));
            return (JobRunStartOutcome.Started, run.Id);
        }, cancellationToken);

    /// <summary>
    /// Moves an active run of this owner to <paramref name="state"/>; false if it was not active (or, for RUNNING,
    /// not STARTING: a stop request must not be overwritten).
    /// </summary>
    public async Task<bool> UpdateAsync(string runId, JobRunState state, DateTimeOffset now,
        string? errorMessage = null, JobRunDetails? details = null) =>
        await database.WriteAsync((connection, transaction) => connection.ExecuteAsync($"""
            UPDATE JobRuns SET State = @State, ErrorMessage = @ErrorMessage, Details = @Details,
                LastModifiedTime = @Now, CompletedTime = CASE WHEN @Terminal THEN @Now END
            WHERE Id = @Id AND Owner = @Owner AND State IN {ActiveStates}
                AND (State = 'STARTING' OR @State <> 'RUNNING')
            """, new
        {
            Id = runId,
            Owner = owner,
            State = state.Value,
            ErrorMessage = errorMessage,
            Details = details is null ? null : JsonSerializer.Serialize(details),
            Now = SqliteTime.ToText(now),
            Terminal = state.IsTerminal,
        }, transaction), CancellationToken.None) == 1;

    /// <summary>
    /// Leaves an active run of this owner to the next process (its host is shutting down): the lease is over, so
    /// whoever looks next takes it over and starts it again.
    /// </summary>
    public async Task<bool> ReleaseAsync(string runId, DateTimeOffset now) =>
        await database.WriteAsync((connection, transaction) => connection.ExecuteAsync($"""
            UPDATE JobRuns SET LeaseExpiration = @Over, LastModifiedTime = @Now
            WHERE Id = @Id AND Owner = @Owner AND State IN {ActiveStates}
            """, new
        {
            Id = runId,
            Owner = owner,
            Now = SqliteTime.ToText(now),
            Over = SqliteTime.ToText(DateTimeOffset.UnixEpoch),
        }, transaction), CancellationToken.None) == 1;

    public Task<GlueJobRun?> GetAsync(
        string jobName, string runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        QueryOneAsync($"SELECT {Columns} FROM JobRuns WHERE JobName = @JobName AND Id = @Id",
            new { JobName = jobName, Id = runId }, now, cancellationToken);

    public Task<GlueJobRun?> FindByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        QueryOneAsync($"""
            SELECT {Columns} FROM JobRuns WHERE JobName = @JobName AND Marker = @Marker AND StartedTime >= @NotBefore
            ORDER BY StartedTime DESC LIMIT 1
            """, new { JobName = jobName, Marker = marker, NotBefore = SqliteTime.ToText(notBefore) }, now,
            cancellationToken);

    /// <summary>Asks an active run to stop (STOPPING); returns its state, or null if the job has no such run.</summary>
    public Task<(JobRunState State, string Owner)?> RequestStopAsync(
        string jobName, string runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var runs = await connection.QueryAsync<(string State, string Owner)>(new CommandDefinition($"""
                UPDATE JobRuns SET State = 'STOPPING', StopRequested = 1, LastModifiedTime = @Now
                WHERE JobName = @JobName AND Id = @Id AND State IN {ActiveStates};
                SELECT State, Owner FROM JobRuns WHERE JobName = @JobName AND Id = @Id;
                """, new { JobName = jobName, Id = runId, Now = SqliteTime.ToText(now) }, transaction,
                cancellationToken: cancellationToken));
            return runs.Select(run => ((JobRunState, string)?)(JobRunState.Create(run.State), run.Owner)).FirstOrDefault();
        }, cancellationToken);

    /// <summary>Extends the lease of the owner's active runs; returns those asked to stop (by any process).</summary>
    public Task<List<string>> RenewLeasesAsync(DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => (await connection.QueryAsync<string>(new CommandDefinition($"""
            UPDATE JobRuns SET LeaseExpiration = @Lease WHERE Owner = @Owner AND State IN {ActiveStates};
            SELECT Id FROM JobRuns WHERE Owner = @Owner AND StopRequested = 1 AND State IN {ActiveStates};
            """, new { Owner = owner, Lease = SqliteTime.ToText(leaseUntil) }, transaction,
            cancellationToken: cancellationToken))).AsList(), cancellationToken);

    /// <summary>
    /// Takes over the active runs whose process is gone and returns those to start again; runs asked to stop end
    /// STOPPED, and runs that cannot be resumed (<paramref name="resumable"/> says no, or restarted too often) end
    /// FAILED, marked interrupted. Looks first, so polls only take the write lock when there is something to do.
    /// </summary>
    public Task<IReadOnlyList<ResumedJobRun>> TakeOverAbandonedAsync(DateTimeOffset now, DateTimeOffset leaseUntil,
        Func<string, bool> resumable, CancellationToken cancellationToken) =>
        AbandonedRuns.TakeOverAsync(database, now, $"""
            SELECT Id, Owner, LeaseExpiration, JobName AS Name, StopRequested, Restarts FROM JobRuns
            WHERE State IN {ActiveStates} AND Owner <> @Owner
            """, new { Owner = owner }, async (connection, transaction, run) =>
        {
            const string Fence = $"WHERE Id = @Id AND Owner = @Previous AND State IN {ActiveStates}";
            var parameters = new
            {
                Id = (string)run.Id,
                Previous = run.Owner,
                Now = SqliteTime.ToText(now),
                Owner = owner,
                Lease = SqliteTime.ToText(leaseUntil),
                Message = run.FailureMessage("Job run", "job", resumable),
            };
            switch (run.Verdict(resumable))
            {
                case AbandonedVerdict.Resume:
                    var resumed = await connection.QueryAsync<(string Arguments, string StartedTime, long Restarts)>(
                        new CommandDefinition($"""
                        UPDATE JobRuns SET Owner = @Owner, LeaseExpiration = @Lease, Restarts = Restarts + 1,
                            State = 'RUNNING', LastModifiedTime = @Now
                        {Fence}
                        RETURNING Arguments, StartedTime, Restarts
                        """, parameters, transaction, cancellationToken: cancellationToken));
                    return resumed.Select(row => new ResumedJobRun((string)run.Id, run.Name,
                        JsonSerializer.Deserialize<Dictionary<string, string>>(row.Arguments) ?? [],
                        SqliteTime.ParseInstant(row.StartedTime), (int)row.Restarts)).FirstOrDefault();
                case AbandonedVerdict.Stop:
                    await Execute($"""
                        UPDATE JobRuns SET State = 'STOPPED', ErrorMessage = 'Job run stopped on request.',
                            LastModifiedTime = @Now, CompletedTime = @Now
                        {Fence}
                        """);
                    return null;
                default:
                    await Execute($"""
                        UPDATE JobRuns SET State = 'FAILED', ErrorMessage = @Message, Interrupted = 1,
                            LastModifiedTime = @Now, CompletedTime = @Now
                        {Fence}
                        """);
                    return null;
            }

            Task Execute(string sql) =>
                connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);

    async Task<GlueJobRun?> QueryOneAsync(string sql, object parameters, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<JobRunRow>(
            new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var startedOn = SqliteTime.ParseInstant(row.StartedTime);
        var completedOn = SqliteTime.ParseInstantOrNull(row.CompletedTime);
        var elapsed = (completedOn ?? now) - startedOn;
        return new GlueJobRun(
            Id: row.Id,
            JobName: row.JobName,
            State: JobRunState.Create(row.State),
            ErrorMessage: row.ErrorMessage,
            Attempt: 0,
            StartedOn: startedOn,
            CompletedOn: completedOn,
            ExecutionTimeSeconds: (int)Math.Max(0, Math.Round(elapsed.TotalSeconds)),
            DpuSeconds: null,
            Arguments: JsonSerializer.Deserialize<Dictionary<string, string>>(row.Arguments) ?? [],
            Details: row.Details is null ? null : JsonSerializer.Deserialize<JobRunDetails>(row.Details),
            Interrupted: row.Interrupted);
    }

    sealed class JobRunRow
    {
        public string Id { get; init; } = "";
        public string JobName { get; init; } = "";
        public string State { get; init; } = "";
        public string? ErrorMessage { get; init; }
        public string Arguments { get; init; } = "";
        public string StartedTime { get; init; } = "";
        public string? CompletedTime { get; init; }
        public string? Details { get; init; }
        public bool Interrupted { get; init; }
    }
}
