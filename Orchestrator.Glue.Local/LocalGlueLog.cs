using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Local;

/// <summary>
/// The local engine's log events (EventIds 4000–4099: the backend 4000–4029, the crawler 4030–4039, the
/// data-preparation job 4040–4049).
/// </summary>
static partial class LocalGlueLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Error, Message = "The local Glue engine could not open its catalog {CatalogPath}")]
    public static partial void CatalogUnavailable(this ILogger logger, Exception exception, string catalogPath);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Crawler {Crawler} started (crawl {CrawlId})")]
    public static partial void CrawlStarted(this ILogger logger, string crawler, long crawlId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Job {Job}: a run with this marker exists ({GlueRunId}); adopting it")]
    public static partial void JobRunAdopted(this ILogger logger, string job, string glueRunId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Job {Job}: run {GlueRunId} started")]
    public static partial void JobRunStarted(this ILogger logger, string job, string glueRunId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Job run {GlueRunId} of {Job} failed")]
    public static partial void JobRunFailed(this ILogger logger, Exception exception, string glueRunId, string job);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Recording the end of job run {GlueRunId} failed")]
    public static partial void JobRunEndNotRecorded(this ILogger logger, Exception exception, string glueRunId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "Job run {GlueRunId} of {Job} ended {State}")]
    public static partial void JobRunEnded(this ILogger logger, string glueRunId, string job, string state);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Crawler {Crawler} failed")]
    public static partial void CrawlFailed(this ILogger logger, Exception exception, string crawler);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "Recording the end of crawl {CrawlId} failed")]
    public static partial void CrawlEndNotRecorded(this ILogger logger, Exception exception, long crawlId);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Debug, Message = "Crawler {Crawler} ended {Status}")]
    public static partial void CrawlEnded(this ILogger logger, string crawler, string status);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Renewing the leases of local job runs and crawls failed")]
    public static partial void LeaseRenewalFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Job run {GlueRunId} of {Job} lost its host; resuming it here from its last safe point (restart {Restart} of {MaxRestarts})")]
    public static partial void JobRunTakenOver(this ILogger logger, string glueRunId, string job, int restart, int maxRestarts);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Crawl {CrawlId} of {Crawler} lost its host; crawling again here (restart {Restart} of {MaxRestarts})")]
    public static partial void CrawlTakenOver(this ILogger logger, long crawlId, string crawler, int restart, int maxRestarts);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "{What} {Id} was interrupted by host shutdown; the next start resumes it")]
    public static partial void LeftToNextStart(this ILogger logger, string what, string id);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "Leaving {What} {Id} to the next start failed")]
    public static partial void LeavingToNextStartFailed(this ILogger logger, Exception exception, string what, string id);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Warning, Message = "Crawler {Crawler}: folder {Folder} is not a table name (letters, digits, '_', '-'); skipped")]
    public static partial void FolderNotATable(this ILogger logger, string crawler, string folder);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Information, Message = "Crawler {Crawler}: {Created} tables created, {Updated} updated, {Added} partitions added, {Errors} tables failed")]
    public static partial void CrawlSummary(this ILogger logger, string crawler, int created, int updated, int added, int errors);

    [LoggerMessage(EventId = 4032, Level = LogLevel.Information, Message = "Crawler {Crawler}: folder {Folder} has no data files; no table")]
    public static partial void FolderEmpty(this ILogger logger, string crawler, string folder);

    [LoggerMessage(EventId = 4033, Level = LogLevel.Information, Message = "Crawler {Crawler}: listed folder {Folder} does not exist yet; no table")]
    public static partial void ListedFolderMissing(this ILogger logger, string crawler, string folder);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Information, Message = "Job run {GlueRunId}: no new raw files")]
    public static partial void NoNewRawFiles(this ILogger logger, string glueRunId);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Information, Message = "Job run {GlueRunId}: {Files} files, {Rows} rows staged for {Partitions} partitions; committing")]
    public static partial void Staged(this ILogger logger, string glueRunId, int files, long rows, int partitions);

    [LoggerMessage(EventId = 4042, Level = LogLevel.Information, Message = "Job run {GlueRunId}: committed {Rows} rows from {Files} files, {Added} partitions added, {Updated} updated")]
    public static partial void Committed(this ILogger logger, string glueRunId, long rows, int files, int added, int updated);

    [LoggerMessage(EventId = 4043, Level = LogLevel.Warning, Message = "Finished the interrupted commit of job run {GlueRunId} ({Partitions} partitions)")]
    public static partial void InterruptedCommitFinished(this ILogger logger, string glueRunId, int partitions);

    [LoggerMessage(EventId = 4750, Level = LogLevel.Debug, Message = "Job {Job}: raw data of {Target} checked: new data {HasNewData} ({Files} files)")]
    public static partial void RawDataChecked(this ILogger logger, string job, string target, bool hasNewData, int files);
}
