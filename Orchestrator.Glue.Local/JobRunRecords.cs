using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

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
        "id, job_name, state, error_message, arguments, started_on, completed_on, details, interrupted";

    public Task<(JobRunStartOutcome Outcome, string RunId)> StartAsync(
        NewJobRun run, int maxConcurrentRuns, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$job", run.JobName);
            command.Parameters.AddWithValue("$marker", run.Marker);
            command.CommandText = """
                SELECT id FROM job_runs WHERE job_name = $job AND marker = $marker ORDER BY started_on DESC LIMIT 1
                """;
            if (await command.ExecuteScalarAsync(cancellationToken) is string existing)
            {
                return (JobRunStartOutcome.Adopted, existing);
            }

            command.CommandText = $"SELECT count(*) FROM job_runs WHERE job_name = $job AND state IN {ActiveStates}";
            var active = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            if (active >= maxConcurrentRuns)
            {
                return (JobRunStartOutcome.LimitReached, string.Empty);
            }

            command.CommandText = """
                INSERT INTO job_runs (id, job_name, marker, state, arguments, started_on, last_modified_on, owner,
                                      lease_until)
                VALUES ($id, $job, $marker, 'STARTING', $arguments, $started, $started, $owner, $lease)
                """;
            command.Parameters.AddWithValue("$id", run.Id);
            command.Parameters.AddWithValue("$arguments", JsonSerializer.Serialize(run.Arguments));
            command.Parameters.AddWithValue("$started", CatalogTime.Format(run.StartedOn));
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$lease", CatalogTime.Format(run.LeaseUntil));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return (JobRunStartOutcome.Started, run.Id);
        }, cancellationToken);

    /// <summary>
    /// Moves an active run of this owner to <paramref name="state"/>; false if it was not active (or, for RUNNING,
    /// not STARTING: a stop request must not be overwritten).
    /// </summary>
    public Task<bool> UpdateAsync(string runId, JobRunState state, DateTimeOffset now,
        string? errorMessage = null, JobRunDetails? details = null) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                UPDATE job_runs SET state = $state, error_message = $error, details = $details,
                    last_modified_on = $now, completed_on = CASE WHEN $terminal THEN $now END
                WHERE id = $id AND owner = $owner AND state IN {ActiveStates}
                    AND (state = 'STARTING' OR $state <> 'RUNNING')
                """;
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$state", state.Value);
            command.Parameters.AddWithValue("$error", (object?)errorMessage ?? DBNull.Value);
            command.Parameters.AddWithValue("$details", details is null ? DBNull.Value : JsonSerializer.Serialize(details));
            command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
            command.Parameters.AddWithValue("$terminal", state.IsTerminal);
            return await command.ExecuteNonQueryAsync(CancellationToken.None) == 1;
        }, CancellationToken.None);

    /// <summary>
    /// Leaves an active run of this owner to the next process (its host is shutting down): the lease is over, so
    /// whoever looks next takes it over and starts it again.
    /// </summary>
    public Task<bool> ReleaseAsync(string runId, DateTimeOffset now) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                UPDATE job_runs SET lease_until = $over, last_modified_on = $now
                WHERE id = $id AND owner = $owner AND state IN {ActiveStates}
                """;
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
            command.Parameters.AddWithValue("$over", CatalogTime.Format(DateTimeOffset.UnixEpoch));
            return await command.ExecuteNonQueryAsync(CancellationToken.None) == 1;
        }, CancellationToken.None);

    public Task<GlueJobRun?> GetAsync(
        string jobName, string runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        QueryOneAsync(
            $"SELECT {Columns} FROM job_runs WHERE job_name = $job AND id = $id",
            command => command.Parameters.AddWithValue("$id", runId), jobName, now, cancellationToken);

    public Task<GlueJobRun?> FindByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        QueryOneAsync(
            $"""
            SELECT {Columns} FROM job_runs WHERE job_name = $job AND marker = $marker AND started_on >= $notBefore
            ORDER BY started_on DESC LIMIT 1
            """,
            command =>
            {
                command.Parameters.AddWithValue("$marker", marker);
                command.Parameters.AddWithValue("$notBefore", CatalogTime.Format(notBefore));
            },
            jobName, now, cancellationToken);

    /// <summary>Asks an active run to stop (STOPPING); returns its state, or null if the job has no such run.</summary>
    public Task<(JobRunState State, string Owner)?> RequestStopAsync(
        string jobName, string runId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<(JobRunState, string)?>(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$job", jobName);
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
            command.CommandText = $"""
                UPDATE job_runs SET state = 'STOPPING', stop_requested = 1, last_modified_on = $now
                WHERE job_name = $job AND id = $id AND state IN {ActiveStates};
                SELECT state, owner FROM job_runs WHERE job_name = $job AND id = $id;
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? (JobRunState.Create(reader.GetString(0)), reader.GetString(1))
                : null;
        }, cancellationToken);

    /// <summary>Extends the lease of the owner's active runs; returns those asked to stop (by any process).</summary>
    public Task<List<string>> RenewLeasesAsync(DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$lease", CatalogTime.Format(leaseUntil));
            command.CommandText = $"""
                UPDATE job_runs SET lease_until = $lease WHERE owner = $owner AND state IN {ActiveStates};
                SELECT id FROM job_runs WHERE owner = $owner AND stop_requested = 1 AND state IN {ActiveStates};
                """;
            var stopRequested = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stopRequested.Add(reader.GetString(0));
            }

            return stopRequested;
        }, cancellationToken);

    /// <summary>
    /// Takes over the active runs whose process is gone and returns those to start again; runs asked to stop end
    /// STOPPED, and runs that cannot be resumed (<paramref name="resumable"/> says no, or restarted too often) end
    /// FAILED, marked interrupted. Looks first, so polls only take the write lock when there is something to do.
    /// </summary>
    public Task<IReadOnlyList<ResumedJobRun>> TakeOverAbandonedAsync(DateTimeOffset now, DateTimeOffset leaseUntil,
        Func<string, bool> resumable, CancellationToken cancellationToken) =>
        AbandonedRuns.TakeOverAsync(database, now, SelectActiveOfOthers, async (command, run) =>
        {
            const string Fence = $"WHERE id = $id AND owner = $previous AND state IN {ActiveStates}";
            switch (run.Verdict(resumable))
            {
                case AbandonedVerdict.Resume:
                    command.CommandText = $"""
                        UPDATE job_runs SET owner = $owner, lease_until = $lease, restarts = restarts + 1,
                            state = 'RUNNING', last_modified_on = $now
                        {Fence}
                        RETURNING arguments, started_on, restarts
                        """;
                    command.Parameters.AddWithValue("$owner", owner);
                    command.Parameters.AddWithValue("$lease", CatalogTime.Format(leaseUntil));
                    await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                    {
                        return await reader.ReadAsync(cancellationToken)
                            ? new ResumedJobRun((string)run.Id, run.Name,
                                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(0)) ?? [],
                                CatalogTime.Parse(reader.GetString(1)), reader.GetInt32(2))
                            : null;
                    }

                case AbandonedVerdict.Stop:
                    command.CommandText = $"""
                        UPDATE job_runs SET state = 'STOPPED', error_message = 'Job run stopped on request.',
                            last_modified_on = $now, completed_on = $now
                        {Fence}
                        """;
                    break;
                default:
                    command.CommandText = $"""
                        UPDATE job_runs SET state = 'FAILED', error_message = $message, interrupted = 1,
                            last_modified_on = $now, completed_on = $now
                        {Fence}
                        """;
                    command.Parameters.AddWithValue("$message", run.FailureMessage("Job run", "job", resumable));
                    break;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }, cancellationToken);

    SqliteCommand SelectActiveOfOthers(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT id, owner, lease_until, job_name, stop_requested, restarts FROM job_runs
            WHERE state IN {ActiveStates} AND owner <> $owner
            """;
        command.Parameters.AddWithValue("$owner", owner);
        return command;
    }

    async Task<GlueJobRun?> QueryOneAsync(string sql, Action<SqliteCommand> bind, string jobName,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$job", jobName);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, now) : null;
    }

    static GlueJobRun Read(SqliteDataReader reader, DateTimeOffset now)
    {
        var startedOn = CatalogTime.Parse(reader.GetString(5));
        DateTimeOffset? completedOn = reader.IsDBNull(6) ? null : CatalogTime.Parse(reader.GetString(6));
        var elapsed = (completedOn ?? now) - startedOn;
        return new GlueJobRun(
            Id: reader.GetString(0),
            JobName: reader.GetString(1),
            State: JobRunState.Create(reader.GetString(2)),
            ErrorMessage: reader.IsDBNull(3) ? null : reader.GetString(3),
            Attempt: 0,
            StartedOn: startedOn,
            CompletedOn: completedOn,
            ExecutionTimeSeconds: (int)Math.Max(0, Math.Round(elapsed.TotalSeconds)),
            DpuSeconds: null,
            Arguments: JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [],
            Details: reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<JobRunDetails>(reader.GetString(7)),
            Interrupted: reader.GetInt64(8) != 0);
    }
}
