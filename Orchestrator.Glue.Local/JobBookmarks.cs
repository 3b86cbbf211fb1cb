using Dapper;
using Microsoft.Data.Sqlite;
using Orchestrator.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>A raw file a job has processed, as it was then (a changed size or time makes it new again).</summary>
sealed record Bookmark(string Path, long Size, DateTime ModifiedUtc)
{
    public static Bookmark Of(LakeLayout layout, LakeFile file) => new(layout.RelativePath(file.Path), file.Size, file.LastWriteUtc);
}

/// <summary>
/// Job bookmarks: which raw files each (job, target entity) has turned into clean data. Written in the same
/// transaction as the clean catalog, after the data is in place, so a file is never marked done before it is.
/// </summary>
sealed class JobBookmarks(CatalogDatabase database)
{
    public async Task<HashSet<Bookmark>> GetAsync(string jobName, string target, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Path, long Size, string ModifiedTime)>(new CommandDefinition(
            "SELECT Path, Size, ModifiedTime FROM Bookmarks WHERE JobName = @JobName AND Target = @Target",
            new { JobName = jobName, Target = target }, cancellationToken: cancellationToken));
        return rows.Select(row => new Bookmark(row.Path, row.Size, SqliteTime.Parse(row.ModifiedTime))).ToHashSet();
    }

    public static Task SaveAsync(SqliteConnection connection, SqliteTransaction transaction, string jobName,
        string target, IEnumerable<Bookmark> bookmarks, string runId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var processed = SqliteTime.ToText(now);
        // One statement, executed once per bookmark.
        return connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO Bookmarks (JobName, Target, Path, Size, ModifiedTime, RunId, ProcessedTime)
            VALUES (@JobName, @Target, @Path, @Size, @ModifiedTime, @RunId, @ProcessedTime)
            ON CONFLICT (JobName, Target, Path) DO UPDATE SET Size = excluded.Size,
                ModifiedTime = excluded.ModifiedTime, RunId = excluded.RunId, ProcessedTime = excluded.ProcessedTime
            """, bookmarks.Select(bookmark => new
        {
            JobName = jobName,
            Target = target,
            bookmark.Path,
            bookmark.Size,
            ModifiedTime = SqliteTime.ToText(bookmark.ModifiedUtc),
            RunId = runId,
            ProcessedTime = processed,
        }), transaction, cancellationToken: cancellationToken));
    }
}
