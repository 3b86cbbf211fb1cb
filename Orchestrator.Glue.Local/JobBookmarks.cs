using Microsoft.Data.Sqlite;

namespace Orchestrator.Glue.Local;

/// <summary>A raw file a job has processed, as it was then (a changed size or time makes it new again).</summary>
sealed record Bookmark(string Path, long Size, DateTime ModifiedUtc);

/// <summary>
/// Job bookmarks: which raw files each (job, target entity) has turned into clean data. Written in the same
/// transaction as the clean catalog, after the data is in place, so a file is never marked done before it is.
/// </summary>
sealed class JobBookmarks(CatalogDatabase database)
{
    public async Task<HashSet<Bookmark>> GetAsync(string jobName, string target, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path, size, modified_at FROM bookmarks WHERE job_name = $job AND target = $target";
        command.Parameters.AddWithValue("$job", jobName);
        command.Parameters.AddWithValue("$target", target);
        var bookmarks = new HashSet<Bookmark>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            bookmarks.Add(new Bookmark(reader.GetString(0), reader.GetInt64(1),
                CatalogTime.Parse(reader.GetString(2)).UtcDateTime));
        }

        return bookmarks;
    }

    public static async Task SaveAsync(SqliteConnection connection, SqliteTransaction transaction, string jobName,
        string target, IEnumerable<Bookmark> bookmarks, string runId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO bookmarks (job_name, target, path, size, modified_at, run_id, processed_at)
            VALUES ($job, $target, $path, $size, $modified, $run, $now)
            ON CONFLICT (job_name, target, path) DO UPDATE SET size = excluded.size,
                modified_at = excluded.modified_at, run_id = excluded.run_id, processed_at = excluded.processed_at
            """;
        command.Parameters.AddWithValue("$job", jobName);
        command.Parameters.AddWithValue("$target", target);
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$now", CatalogTime.Format(now));
        var path = command.Parameters.Add("$path", SqliteType.Text);
        var size = command.Parameters.Add("$size", SqliteType.Integer);
        var modified = command.Parameters.Add("$modified", SqliteType.Text);
        foreach (var bookmark in bookmarks)
        {
            (path.Value, size.Value) = (bookmark.Path, bookmark.Size);
            modified.Value = CatalogTime.Format(new DateTimeOffset(bookmark.ModifiedUtc, TimeSpan.Zero));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
