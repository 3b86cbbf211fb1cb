using Dapper;
using Orchestrator.Sqlite;

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
            var running = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT count(*) FROM Crawls WHERE CrawlerName = @CrawlerName AND Status = '{Running}'",
                new { CrawlerName = crawlerName }, transaction, cancellationToken: cancellationToken));
            if (running > 0)
            {
                return null;
            }

            return await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
                INSERT INTO Crawls (CrawlerName, Status, StartedTime, Owner, LeaseExpiration)
                VALUES (@CrawlerName, '{Running}', @Now, @Owner, @Lease)
                RETURNING Id
                """, new
            {
                CrawlerName = crawlerName,
                Now = SqliteTime.ToText(now),
                Owner = owner,
                Lease = SqliteTime.ToText(leaseUntil),
            }, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);

    public Task CompleteAsync(long crawlId, CrawlOutcome outcome, DateTimeOffset now) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync($"""
            UPDATE Crawls SET Status = @Status, ErrorMessage = @ErrorMessage, CompletedTime = @Now,
                TablesCreated = @TablesCreated, TablesUpdated = @TablesUpdated, PartitionsAdded = @PartitionsAdded
            WHERE Id = @Id AND Owner = @Owner AND Status = '{Running}'
            """, new
        {
            Id = crawlId,
            Owner = owner,
            Status = outcome.Status.Value,
            outcome.ErrorMessage,
            Now = SqliteTime.ToText(now),
            outcome.TablesCreated,
            outcome.TablesUpdated,
            outcome.PartitionsAdded,
        }, transaction), CancellationToken.None);

    /// <summary>Leaves a crawl of this owner to the next process (its host is shutting down): the lease is over.</summary>
    public Task ReleaseAsync(long crawlId) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            $"UPDATE Crawls SET LeaseExpiration = @Over WHERE Id = @Id AND Owner = @Owner AND Status = '{Running}'",
            new { Id = crawlId, Owner = owner, Over = SqliteTime.ToText(DateTimeOffset.UnixEpoch) }, transaction),
            CancellationToken.None);

    public async Task<GlueCrawler> GetAsync(string crawlerName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var crawler = new { CrawlerName = crawlerName };
        var state = await connection.ExecuteScalarAsync<long?>(new CommandDefinition($"""
            SELECT StopRequested FROM Crawls WHERE CrawlerName = @CrawlerName AND Status = '{Running}' LIMIT 1
            """, crawler, cancellationToken: cancellationToken)) switch
        {
            null => CrawlerState.Ready,
            0 => CrawlerState.Running,
            _ => CrawlerState.Stopping,
        };
        var last = await connection.QuerySingleOrDefaultAsync<LastCrawlRow>(new CommandDefinition($"""
            SELECT Status, StartedTime, ErrorMessage, TablesCreated, TablesUpdated, PartitionsAdded, Interrupted
            FROM Crawls WHERE CrawlerName = @CrawlerName AND Status <> '{Running}' ORDER BY Id DESC LIMIT 1
            """, crawler, cancellationToken: cancellationToken));
        var lastCrawl = last is null
            ? null
            : new LastCrawl(CrawlStatus.Create(last.Status), SqliteTime.ParseInstant(last.StartedTime),
                last.ErrorMessage, last.TablesCreated, last.TablesUpdated, last.PartitionsAdded, last.Interrupted);
        return new GlueCrawler(crawlerName, state, lastCrawl);
    }

    /// <summary>Asks the crawl in progress to stop; returns its id and owner, or null when none is running.</summary>
    public Task<(long CrawlId, string Owner)?> RequestStopAsync(string crawlerName, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var stopped = await connection.QueryAsync<(long, string)>(new CommandDefinition($"""
                UPDATE Crawls SET StopRequested = 1 WHERE CrawlerName = @CrawlerName AND Status = '{Running}'
                RETURNING Id, Owner
                """, new { CrawlerName = crawlerName }, transaction, cancellationToken: cancellationToken));
            return stopped.Select(crawl => ((long, string)?)crawl).FirstOrDefault();
        }, cancellationToken);

    /// <summary>Extends the lease of the owner's crawls; returns the ids of those asked to stop.</summary>
    public Task<List<long>> RenewLeasesAsync(DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => (await connection.QueryAsync<long>(new CommandDefinition($"""
            UPDATE Crawls SET LeaseExpiration = @Lease WHERE Owner = @Owner AND Status = '{Running}';
            SELECT Id FROM Crawls WHERE Owner = @Owner AND Status = '{Running}' AND StopRequested = 1;
            """, new { Owner = owner, Lease = SqliteTime.ToText(leaseUntil) }, transaction,
            cancellationToken: cancellationToken))).AsList(), cancellationToken);

    /// <summary>
    /// Takes over the crawls whose process is gone and returns those to crawl again; crawls asked to stop end
    /// CANCELLED, and crawls that cannot be resumed end FAILED, marked interrupted. Looks first.
    /// </summary>
    public Task<IReadOnlyList<ResumedCrawl>> TakeOverAbandonedAsync(DateTimeOffset now, DateTimeOffset leaseUntil,
        Func<string, bool> resumable, CancellationToken cancellationToken) =>
        AbandonedRuns.TakeOverAsync(database, now, $"""
            SELECT Id, Owner, LeaseExpiration, CrawlerName AS Name, StopRequested, Restarts FROM Crawls
            WHERE Status = '{Running}' AND Owner <> @Owner
            """, new { Owner = owner }, async (connection, transaction, crawl) =>
        {
            const string Fence = $"WHERE Id = @Id AND Owner = @Previous AND Status = '{Running}'";
            var verdict = crawl.Verdict(resumable);
            var sql = verdict switch
            {
                AbandonedVerdict.Resume => $"UPDATE Crawls SET Owner = @Owner, LeaseExpiration = @Lease, Restarts = Restarts + 1 {Fence}",
                AbandonedVerdict.Stop => $"""
                    UPDATE Crawls SET Status = 'CANCELLED', ErrorMessage = 'Crawl stopped on request.', CompletedTime = @Now
                    {Fence}
                    """,
                _ => $"""
                    UPDATE Crawls SET Status = 'FAILED', ErrorMessage = @Message, Interrupted = 1, CompletedTime = @Now
                    {Fence}
                    """,
            };
            var updated = await connection.ExecuteAsync(new CommandDefinition(sql, new
            {
                Id = (long)crawl.Id,
                Previous = crawl.Owner,
                Now = SqliteTime.ToText(now),
                Owner = owner,
                Lease = SqliteTime.ToText(leaseUntil),
                Message = crawl.FailureMessage("Crawl", "crawler", resumable),
            }, transaction, cancellationToken: cancellationToken));
            return updated == 1 && verdict == AbandonedVerdict.Resume
                ? new ResumedCrawl((long)crawl.Id, crawl.Name, crawl.Restarts + 1)
                : null;
        }, cancellationToken);

    sealed class LastCrawlRow
    {
        public string Status { get; init; } = "";
        public string StartedTime { get; init; } = "";
        public string? ErrorMessage { get; init; }
        public int? TablesCreated { get; init; }
        public int? TablesUpdated { get; init; }
        public int? PartitionsAdded { get; init; }
        public bool Interrupted { get; init; }
    }
}
