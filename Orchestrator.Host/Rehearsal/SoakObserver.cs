using Microsoft.Data.Sqlite;
using Orchestrator.Activities.Runs;
using Orchestrator.Sqlite;

namespace Orchestrator.Host.Rehearsal;

/// <summary>Where a run stands in its life, as a kill would find it.</summary>
public enum SoakPhase
{
    /// <summary>Nothing runs right now: between steps, or waiting for a poll or a retry.</summary>
    Between,
    RawCrawl,
    FanOut,
    CommitWindow,
    CleanCrawl,
    Finished,
}

/// <summary>
/// Reads what a host leaves on disk while it runs, without stopping it: the durable store (history, workers), the
/// local catalog (crawls, job runs) and the lake's staging folders, each opened read-only (WAL lets readers run
/// beside the writer).
/// </summary>
public sealed class SoakObserver(string dataDirectory, string rawCrawler, string cleanCrawler)
{
    string Store => Path.Combine(dataDirectory, "orchestrator.db");

    string Catalog => Path.Combine(dataDirectory, "catalog.db");

    string Staging => Path.Combine(dataDirectory, "lake", "_staging");

    /// <summary>The phase <paramref name="runId"/> is in now: the commit window wins over the fan-out it is part of.</summary>
    public SoakPhase PhaseOf(string runId)
    {
        if (IsFinished(runId))
        {
            return SoakPhase.Finished;
        }

        if (Directory.Exists(Staging) && Directory.EnumerateFiles(Staging, "commit.json", SearchOption.AllDirectories).Any())
        {
            return SoakPhase.CommitWindow;
        }

        var running = CatalogQuery("SELECT CrawlerName FROM Crawls WHERE Status = 'RUNNING'", r => r.GetString(0));
        if (running.Contains(rawCrawler))
        {
            return SoakPhase.RawCrawl;
        }

        if (running.Contains(cleanCrawler))
        {
            return SoakPhase.CleanCrawl;
        }

        return JobRuns(runId).Any(j => j.State is "STARTING" or "RUNNING") ? SoakPhase.FanOut : SoakPhase.Between;
    }

    /// <summary>The furthest phase the run has reached, whether or not it is in it now.</summary>
    public SoakPhase ReachedOf(string runId, DateTime runCreated)
    {
        if (IsFinished(runId))
        {
            return SoakPhase.Finished;
        }

        var crawls = CatalogQuery("SELECT CrawlerName, StartedTime FROM Crawls", r => (Name: r.GetString(0), Started: r.GetString(1)));
        var since = SqliteTime.ToText(runCreated);
        if (crawls.Any(c => c.Name == cleanCrawler && string.CompareOrdinal(c.Started, since) >= 0))
        {
            return SoakPhase.CleanCrawl;
        }

        return JobRuns(runId).Count > 0 ? SoakPhase.FanOut : SoakPhase.RawCrawl;
    }

    /// <summary>Every job run of <paramref name="runId"/> the local engine recorded.</summary>
    public IReadOnlyList<(string Id, string Marker, string State, int Restarts)> JobRuns(string runId) =>
        CatalogQuery(
            "SELECT Id, Marker, State, Restarts FROM JobRuns WHERE substr(Marker, 1, length(@prefix)) = @prefix",
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3)), ("@prefix", runId + "/"));

    /// <summary>How often the local engine resumed a job run or crawl after its host went away.</summary>
    public int Restarts() =>
        CatalogQuery("SELECT (SELECT COALESCE(SUM(Restarts), 0) FROM JobRuns) + (SELECT COALESCE(SUM(Restarts), 0) FROM Crawls)",
            r => r.GetInt32(0)).Single();

    /// <summary>When the worker of process <paramref name="processId"/> registered in the store, if it has.</summary>
    public DateTime? WorkerStarted(int processId) =>
        StoreQuery("SELECT StartedTime FROM Workers WHERE ProcessId = @pid", r => SqliteTime.Parse(r.GetString(0)), ("@pid", processId))
            .Cast<DateTime?>().FirstOrDefault();

    /// <summary>The first history event of the run or its steps after <paramref name="after"/>: the run moving on.</summary>
    public DateTime? FirstEventAfter(string runId, DateTime after) =>
        StoreQuery(
            """
            SELECT MIN(Timestamp) FROM History
            WHERE (InstanceId = @run OR substr(InstanceId, 1, length(@steps)) = @steps) AND Timestamp > @after
            """,
            r => r.IsDBNull(0) ? (DateTime?)null : SqliteTime.Parse(r.GetString(0)),
            ("@run", runId), ("@steps", runId + "/"), ("@after", SqliteTime.ToText(after))).SingleOrDefault();

    bool IsFinished(string runId) =>
        StoreQuery("SELECT RuntimeStatus FROM Instances WHERE InstanceId = @run", r => r.GetString(0), ("@run", runId))
            .Any(RunStatuses.IsFinished);

    IReadOnlyList<T> StoreQuery<T>(string sql, Func<SqliteDataReader, T> map, params (string, object)[] parameters) =>
        SqliteFile.QueryReadOnly(Store, sql, map, parameters);

    IReadOnlyList<T> CatalogQuery<T>(string sql, Func<SqliteDataReader, T> map, params (string, object)[] parameters) =>
        SqliteFile.QueryReadOnly(Catalog, sql, map, parameters);
}
