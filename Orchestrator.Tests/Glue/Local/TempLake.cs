using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

/// <summary>A real lake and catalog in a temporary folder, a fake clock, and the backend over them.</summary>
sealed class TempLake : IAsyncDisposable
{
    public const string Job = "mystore-data-preparation-parquet";
    public const string RawCrawler = "mystore-raw-crawler";
    public const string CleanCrawler = "mystore-clean-crawler";

    readonly List<LocalGlueBackend> backends = [];

    public TempLake()
    {
        Root = Path.Combine(Path.GetTempPath(), "orchestrator-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(LakeRoot);
        Options = CreateOptions(LakeRoot, Path.Combine(Root, "catalog.db"));
    }

    public static DateTimeOffset Start { get; } = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public string Root { get; }

    public string LakeRoot => Path.Combine(Root, "lake");

    public LocalGlueOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public CancellationToken Token => TestContext.Current.CancellationToken;

    public static LocalGlueOptions CreateOptions(string lakeRoot, string catalogPath)
    {
        var options = new LocalGlueOptions { LakeRoot = lakeRoot, CatalogPath = catalogPath, Threads = 2 };
        options.Crawlers[RawCrawler] = new LocalCrawlerOptions { Zone = "raw", Database = "raw" };
        options.Crawlers[CleanCrawler] = new LocalCrawlerOptions { Zone = "clean", Database = "clean" };
        var job = new LocalJobOptions { MaxConcurrentRuns = 10, Timeout = 60 };
        job.DefaultArguments["--raw_db_name"] = "raw";
        job.DefaultArguments["--clean_db_name"] = "clean";
        options.Jobs[Job] = job;
        return options;
    }

    /// <summary>A backend over this lake; a test may make several to play separate processes.</summary>
    public LocalGlueBackend CreateBackend(TimeProvider? time = null, ILogger<LocalGlueBackend>? logger = null)
    {
        var backend = new LocalGlueBackend(Options, time ?? Time, logger ?? NullLogger<LocalGlueBackend>.Instance);
        backends.Add(backend);
        return backend;
    }

    public LocalGlueBackend Backend => backends.Count > 0 ? backends[0] : CreateBackend();

    public string WriteRaw(string entity, string folder, string fileName, string content)
    {
        var directory = Path.Combine(LakeRoot, "raw", entity, folder);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public string WriteJsonLines(string entity, string folder, string fileName, params string[] lines) =>
        WriteRaw(entity, folder, fileName, string.Join("\n", lines) + "\n");

    public static Dictionary<string, string> Arguments(
        string entity, string partitionColumn, string partitionKey) => new()
        {
            ["--source_entity_name"] = entity,
            ["--target_entity_name"] = entity,
            ["--datetime_partition_column"] = partitionColumn,
            ["--partition_key"] = partitionKey,
        };

    public async Task<GlueJobRun> RunJobAsync(
        Dictionary<string, string> arguments, LocalGlueBackend? backend = null, string? marker = null)
    {
        backend ??= Backend;
        var start = await backend.StartJobRunAsync(Job, arguments, marker ?? "run/" + Guid.NewGuid().ToString("N"), Token);
        return await WaitForRunAsync(start.RunId, backend);
    }

    public async Task<GlueJobRun> WaitForRunAsync(string runId, LocalGlueBackend? backend = null)
    {
        backend ??= Backend;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await backend.GetJobRunAsync(Job, runId, Token);
            if (run.State.IsTerminal)
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} still {run.State} after 60 s.");
            await Task.Delay(20, Token);
        }
    }

    public async Task<GlueJobRun> WaitForStateAsync(string runId, JobRunState state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var run = await Backend.GetJobRunAsync(Job, runId, Token);
            if (run.State == state)
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} is {run.State}, not {state}, after 30 s.");
            await Task.Delay(10, Token);
        }
    }

    public async Task<GlueCrawler> CrawlAsync(string crawler)
    {
        Assert.Equal(CrawlerStartResult.Started, await Backend.StartCrawlerAsync(crawler, Token));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var state = await Backend.GetCrawlerAsync(crawler, Token);
            if (state.State == CrawlerState.Ready)
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Crawler {crawler} still {state.State} after 60 s.");
            await Task.Delay(20, Token);
        }
    }

    public string CleanFolder(string entity) => Path.Combine(LakeRoot, "clean", entity);

    /// <summary>Runs SQL with DuckDB (as a user would read the lake) and returns the rows.</summary>
    public List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "SET TimeZone = 'UTC'";
            setup.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The clean rows of an entity, partition key included.</summary>
    public string Clean(string entity) =>
        $"read_parquet('{CleanFolder(entity)}/*/*.parquet', hive_partitioning = true)";

    /// <summary>Every file under the clean folder of an entity, relative, sorted: a snapshot to compare.</summary>
    public List<string> CleanFiles(string entity) =>
        Directory.Exists(CleanFolder(entity))
            ? Directory.EnumerateFiles(CleanFolder(entity), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(CleanFolder(entity), f)).Order(StringComparer.Ordinal).ToList()
            : [];

    public static string Iso(DateTimeOffset instant) =>
        instant.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var backend in backends)
        {
            await backend.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
