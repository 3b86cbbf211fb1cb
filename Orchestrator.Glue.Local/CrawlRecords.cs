using Microsoft.Data.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>How a crawl ended, with Glue's counters.</summary>
sealed record CrawlOutcome(
    CrawlStatus Status,
    string? ErrorMessage,
    int TablesCreated,
    int TablesUpdated,
    int PartitionsAdded);

/// <summary>An abandoned crawl this process took over, to crawl again.</summary>
sealed record ResumedCrawl(long Id, string CrawlerName, int Restarts);

/// <summary>
/// Crawl history in the catalog. A crawl in progress is a row with status RUNNING and a lease its owner renews; a
/// crawler's Glue state (READY, RUNNING, STOPPING) and LastCrawl are read from its newest rows. A crawl whose process
/// is gone is taken over by the next process that looks and crawled again, keeping its id and start time. Crawls
/// of <paramref name="owner"/> (this backend instance) are never declared abandoned here.
/// </summary>
sealed class CrawlRecords(CatalogDatabase database, string owner)
{
    const string Running = "RUNNING";

    /// <summary>Records a new crawl and returns its id, or null when one is already in progress.</summary>
    public Task<long?> BeginAsync(string crawlerName, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken) =>
        database.WriteAsync<long?>(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$crawler", crawlerName);
            command.CommandText = $"SELECT count(*) FROM crawls WHERE crawler_name = $crawler AND status = '{Running}'";
            if ((long)(await command.ExecuteScalarAsync(cancellationToken))! > 0)
            {
                return null;
            }

            command.CommandText = $"""
                INSERT INTO crawls (crawler_name, status, started_at, owner, lease_until)
                VALUES ($crawler, '{Running}', $now, $owner, $lease)
                RETURNING id
                """;
            command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$lease", CatalogTime.Format(leaseUntil));
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);

    public Task CompleteAsync(long crawlId, CrawlOutcome outcome, DateTimeOffset now) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                UPDATE crawls SET status = $status, error_message = $error, completed_at = $now,
                    tables_created = $created, tables_updated = $updated, partitions_added = $added
                WHERE id = $id AND owner = $owner AND status = '{Running}'
                """;
            command.Parameters.AddWithValue("$id", crawlId);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$status", outcome.Status.Value);
            command.Parameters.AddWithValue("$error", (object?)outcome.ErrorMessage ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
            command.Parameters.AddWithValue("$created", outcome.TablesCreated);
            command.Parameters.AddWithValue("$updated", outcome.TablesUpdated);
            command.Parameters.AddWithValue("$added", outcome.PartitionsAdded);
            return await command.ExecuteNonQueryAsync(CancellationToken.None);
        }, CancellationToken.None);

    /// <summary>Leaves a crawl of this owner to the next process (its host is shutting down): the lease is over.</summary>
    public Task ReleaseAsync(long crawlId) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"UPDATE crawls SET lease_until = $over WHERE id = $id AND owner = $owner AND status = '{Running}'";
            command.Parameters.AddWithValue("$id", crawlId);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$over", CatalogTime.Format(DateTimeOffset.UnixEpoch));
            return await command.ExecuteNonQueryAsync(CancellationToken.None);
        }, CancellationToken.None);

    public async Task<GlueCrawler> GetAsync(string crawlerName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$crawler", crawlerName);
        command.CommandText = $"""
            SELECT stop_requested FROM crawls WHERE crawler_name = $crawler AND status = '{Running}' LIMIT 1
            """;
        var state = await command.ExecuteScalarAsync(cancellationToken) switch
        {
            null => CrawlerState.Ready,
            0L => CrawlerState.Running,
            _ => CrawlerState.Stopping,
        };
        command.CommandText = $"""
            SELECT status, started_at, error_message, tables_created, tables_updated, partitions_added, interrupted FROM crawls
            WHERE crawler_name = $crawler AND status <> '{Running}' ORDER BY id DESC LIMIT 1
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lastCrawl = await reader.ReadAsync(cancellationToken)
            ? new LastCrawl(CrawlStatus.Create(reader.GetString(0)), CatalogTime.Parse(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2), ReadCount(reader, 3), ReadCount(reader, 4),
                ReadCount(reader, 5), reader.GetInt64(6) != 0)
            : null;
        return new GlueCrawler(crawlerName, state, lastCrawl);
    }

    /// <summary>Asks the crawl in progress to stop; returns its id and owner, or null when none is running.</summary>
    public Task<(long CrawlId, string Owner)?> RequestStopAsync(string crawlerName, CancellationToken cancellationToken) =>
        database.WriteAsync<(long, string)?>(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$crawler", crawlerName);
            command.CommandText = $"""
                UPDATE crawls SET stop_requested = 1 WHERE crawler_name = $crawler AND status = '{Running}'
                RETURNING id, owner
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
        }, cancellationToken);

    /// <summary>Extends the lease of the owner's crawls; returns the ids of those asked to stop.</summary>
    public Task<List<long>> RenewLeasesAsync(DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$lease", CatalogTime.Format(leaseUntil));
            command.CommandText = $"""
                UPDATE crawls SET lease_until = $lease WHERE owner = $owner AND status = '{Running}';
                SELECT id FROM crawls WHERE owner = $owner AND status = '{Running}' AND stop_requested = 1;
                """;
            var stopRequested = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stopRequested.Add(reader.GetInt64(0));
            }

            return stopRequested;
        }, cancellationToken);

    /// <summary>
    /// Takes over the crawls whose process is gone and returns those to crawl again; crawls asked to stop end
    /// CANCELLED, and crawls that cannot be resumed end FAILED, marked interrupted. Looks first.
    /// </summary>
    public Task<IReadOnlyList<ResumedCrawl>> TakeOverAbandonedAsync(DateTimeOffset now, DateTimeOffset leaseUntil,
        Func<string, bool> resumable, CancellationToken cancellationToken) =>
        AbandonedRuns.TakeOverAsync(database, now, SelectRunningOfOthers, async (command, crawl) =>
        {
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$lease", CatalogTime.Format(leaseUntil));
            command.Parameters.AddWithValue("$message", crawl.FailureMessage("Crawl", "crawler", resumable));
            const string Fence = $"WHERE id = $id AND owner = $previous AND status = '{Running}'";
            var verdict = crawl.Verdict(resumable);
            command.CommandText = verdict switch
            {
                AbandonedVerdict.Resume => $"UPDATE crawls SET owner = $owner, lease_until = $lease, restarts = restarts + 1 {Fence}",
                AbandonedVerdict.Stop => $"""
                    UPDATE crawls SET status = 'CANCELLED', error_message = 'Crawl stopped on request.', completed_at = $now
                    {Fence}
                    """,
                _ => $"""
                    UPDATE crawls SET status = 'FAILED', error_message = $message, interrupted = 1, completed_at = $now
                    {Fence}
                    """,
            };
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1 && verdict == AbandonedVerdict.Resume
                ? new ResumedCrawl((long)crawl.Id, crawl.Name, crawl.Restarts + 1)
                : null;
        }, cancellationToken);

    SqliteCommand SelectRunningOfOthers(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT id, owner, lease_until, crawler_name, stop_requested, restarts FROM crawls
            WHERE status = '{Running}' AND owner <> $owner
            """;
        command.Parameters.AddWithValue("$owner", owner);
        return command;
    }

    static int? ReadCount(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
}
