using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;

namespace Orchestrator.Glue.Local;

/// <summary>
/// One private in-memory DuckDB database for one job run or crawl, configured for offline, deterministic work:
/// no extension downloads, UTC session time zone, bounded threads and memory. Statements are cancellable.
/// </summary>
sealed class DuckDbSession : IDisposable
{
    static readonly TimeSpan MemorySampleInterval = TimeSpan.FromMilliseconds(50);

    readonly DuckDBConnection connection;
    long peakMemoryBytes;

    DuckDbSession(DuckDBConnection connection) => this.connection = connection;

    /// <summary>The most buffer memory DuckDB reported while this session's statements ran (sampled).</summary>
    public long PeakMemoryBytes => Interlocked.Read(ref peakMemoryBytes);

    public static DuckDbSession Open(LocalGlueOptions options, string? spillDirectory)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        var session = new DuckDbSession(connection);
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        string[] settings =
        [
            // Known extensions would otherwise be fetched from the internet on first use.
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
            // Casts from TIMESTAMPTZ to TIMESTAMP then always mean UTC.
            "SET TimeZone = 'UTC'",
            // Lets COPY stream instead of keeping input order.
            "SET preserve_insertion_order = false",
            "SET enable_progress_bar = false",
            string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads}"),
            "SET memory_limit = " + SqlText.Literal(options.MemoryLimit),
            spillDirectory is null ? "SET temp_directory = ''" : "SET temp_directory = " + SqlText.Literal(spillDirectory),
        ];
        try
        {
            foreach (var setting in settings)
            {
                using var command = connection.CreateCommand();
                command.CommandText = setting;
                command.ExecuteNonQuery();
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    /// <summary>Runs a statement; returns DuckDB's changed-row count (rows written for <c>COPY</c>).</summary>
    public Task<long> ExecuteAsync(string sql, CancellationToken cancellationToken) =>
        RunAsync(sql, command => (long)command.ExecuteNonQuery(), cancellationToken);

    public Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken) =>
        RunAsync(sql, command =>
        {
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }, cancellationToken);

    public void Dispose() => connection.Dispose();

    async Task<T> RunAsync<T>(string sql, Func<DuckDBCommand, T> run, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var sampling = new CancellationTokenSource();
        var sampler = SampleMemoryAsync(sampling.Token);
        try
        {
            // DuckDB runs the statement synchronously; Cancel() interrupts it from the token's thread.
            using var registration = cancellationToken.Register(command.Cancel);
            var result = await Task.Run(() => run(command), CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return result;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
        }
    }

    async Task SampleMemoryAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(MemorySampleInterval, stop);
            using var probe = connection.Duplicate();
            if (probe.State != System.Data.ConnectionState.Open)
            {
                probe.Open();
            }

            using var command = probe.CreateCommand();
            command.CommandText = "SELECT COALESCE(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()";
            while (!stop.IsCancellationRequested)
            {
                var bytes = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                if (bytes > Interlocked.Read(ref peakMemoryBytes))
                {
                    Interlocked.Exchange(ref peakMemoryBytes, bytes);
                }

                await Task.Delay(MemorySampleInterval, stop);
            }
        }
        catch (OperationCanceledException)
        {
            // The statement finished; sampling ends with it.
        }
        catch (Exception error) when (error is DuckDBException or InvalidOperationException)
        {
            // Sampling is best effort and must never fail the statement it watches.
        }
    }
}
