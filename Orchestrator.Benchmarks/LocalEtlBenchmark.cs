using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;

namespace Orchestrator.Benchmarks;

/// <summary>
/// <c>local-etl</c>: the local data-preparation job on generated MyStore sales, beside the bare DuckDB floor (one
/// COPY of the same files with the same casts). Each measurement runs in a child process of its own, so each
/// peak RSS (VmHWM) is that step's alone.
/// </summary>
static class LocalEtlBenchmark
{
    const string Job = "data-preparation";
    static readonly Dictionary<string, string> SalesArguments = new()
    {
        ["--source_entity_name"] = "sales",
        ["--target_entity_name"] = "sales",
        ["--datetime_partition_column"] = "order_datetime",
        ["--partition_key"] = "order_date",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var options = BenchmarkArguments.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: local-etl [--rows 1000000] [--days 7] [--seed 42] [--repeat 3] [--threads 0] " +
                "[--memory-limit 512MB]");
            return 2;
        }

        return options.Phase switch
        {
            null => await CompareAsync(options),
            "generate" => await GenerateAsync(options),
            "job" => await MeasureJobAsync(options),
            "floor-inferred" => await MeasureFloorAsync(options, schemaGiven: false),
            "floor-schema" => await MeasureFloorAsync(options, schemaGiven: true),
            _ => 2,
        };
    }

    static async Task<int> CompareAsync(BenchmarkArguments options)
    {
        var lake = Path.Combine(Path.GetTempPath(), "orchestrator-local-etl-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var generated = await ChildAsync(options, "generate", lake);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"data: {generated.Rows:N0} sales rows in {generated.Files} JSON Lines files, {generated.Bytes / 1e6:F1} MB " +
                $"(written in {generated.Seconds:F1} s); DuckDB threads {options.Threads}, memory_limit {options.MemoryLimit}"));
            (string Phase, string Name)[] steps =
            [
                ("job", "local job (backend run)"),
                ("floor-inferred", "floor: COPY, DuckDB infers schema"),
                ("floor-schema", "floor: COPY, schema given"),
            ];

            // Interleaved, so load from elsewhere on the machine hits every step alike.
            var runs = steps.ToDictionary(s => s.Phase, _ => new List<Measurement>());
            for (var i = 0; i < options.Repeat; i++)
            {
                foreach (var (phase, _) in steps)
                {
                    runs[phase].Add(await ChildAsync(options, phase, lake));
                }
            }

            var results = steps.Select(s => (s.Name, Best: runs[s.Phase].MinBy(r => r.Seconds)!,
                Cpu: runs[s.Phase].Min(r => r.CpuSeconds), PeakRss: runs[s.Phase].Max(r => r.PeakRssBytes),
                PeakDuckDb: runs[s.Phase].Max(r => r.DuckDbPeakBytes))).ToList();

            Console.WriteLine($"{"step",-36} {"best s",7} {"rows/s",11} {"CPU s",6} {"peak RSS",10} {"DuckDB peak",12}");
            foreach (var (name, best, cpu, rss, duckDb) in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-36} {best.Seconds,7:F2} {best.Rows / best.Seconds,11:N0} {cpu,6:F2} {rss / 1048576.0,7:F0} MB " +
                    $"{duckDb / 1048576.0,9:F0} MB"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"job / floor (inferred): {results[0].Best.Seconds / results[1].Best.Seconds:F2}x wall, " +
                $"{results[0].Cpu / results[1].Cpu:F2}x CPU; job / floor (schema given): " +
                $"{results[0].Best.Seconds / results[2].Best.Seconds:F2}x wall, {results[0].Cpu / results[2].Cpu:F2}x CPU; " +
                $"best of {options.Repeat} interleaved runs each"));
            return 0;
        }
        finally
        {
            Directory.Delete(lake, recursive: true);
        }
    }

    static async Task<int> GenerateAsync(BenchmarkArguments options)
    {
        var started = Stopwatch.GetTimestamp();
        var written = await new SampleDataGenerator(options.Lake!, TimeProvider.System).WriteAsync(
            new SampleDataOptions { Rows = options.Rows, Days = options.Days, Seed = options.Seed, Entities = ["sales"] },
            CancellationToken.None);
        var bytes = Directory.EnumerateFiles(Path.Combine(options.Lake!, "raw"), "*.jsonl", SearchOption.AllDirectories)
            .Sum(f => new FileInfo(f).Length);
        Report(new Measurement(Stopwatch.GetElapsedTime(started).TotalSeconds, 0, written[0].Rows, 0, 0,
            written[0].FilesWritten, bytes));
        return 0;
    }

    static async Task<int> MeasureJobAsync(BenchmarkArguments options)
    {
        var work = Path.Combine(options.Lake!, "_bench-" + Guid.NewGuid().ToString("N")[..8]);
        long duckDbPeak = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == LocalGlueMetrics.DuckDbPeakMemory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => duckDbPeak = Math.Max(duckDbPeak, value));
        listener.Start();
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new LocalGlueMetrics(meters.GetRequiredService<IMeterFactory>());

        // Warm-up: one small run in a lake of its own, so the timed run is what a running service pays per run.
        var warmUp = Path.Combine(work, "warm-up");
        await new SampleDataGenerator(warmUp, TimeProvider.System).WriteAsync(
            new SampleDataOptions { Rows = 1_000, Days = 1, Entities = ["sales"] }, CancellationToken.None);
        await RunJobAsync(LocalOptions(options with { Lake = warmUp }, Path.Combine(warmUp, "catalog.db")), metrics);
        duckDbPeak = 0;

        var cpu = CpuSeconds();
        var started = Stopwatch.GetTimestamp();
        var run = await RunJobAsync(LocalOptions(options, Path.Combine(work, "catalog.db")), metrics);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (run.State != JobRunState.Succeeded)
        {
            Console.Error.WriteLine($"job run {run.State}: {run.ErrorMessage}");
            return 1;
        }

        Report(new Measurement(seconds, CpuSeconds() - cpu, run.Details!.RowsWritten, PeakRss(), duckDbPeak, 0, 0));

        // The next repetition starts from an empty clean zone and catalog.
        Directory.Delete(Path.Combine(options.Lake!, "clean"), recursive: true);
        Directory.Delete(work, recursive: true);
        return 0;
    }

    static async Task<GlueJobRun> RunJobAsync(LocalGlueOptions glue, LocalGlueMetrics metrics)
    {
        await using var backend = new LocalGlueBackend(glue, TimeProvider.System, NullLogger<LocalGlueBackend>.Instance, metrics);
        var start = await backend.StartJobRunAsync(Job, SalesArguments, "bench/" + Guid.NewGuid(), CancellationToken.None);
        GlueJobRun run;
        do
        {
            await Task.Delay(10);
            run = await backend.GetJobRunAsync(Job, start.RunId, CancellationToken.None);
        }
        while (!run.State.IsTerminal);
        return run;
    }

    static async Task<int> MeasureFloorAsync(BenchmarkArguments options, bool schemaGiven)
    {
        var glue = LocalOptions(options, "unused");
        var files = Directory.EnumerateFiles(Path.Combine(options.Lake!, "raw", "sales"), "*.jsonl",
            SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var output = Path.Combine(options.Lake!, "_floor-" + Guid.NewGuid().ToString("N")[..8]);
        var arguments = new DataPreparationArguments("sales", "sales", "order_datetime", "order_date", "raw", "clean");
        using var session = DuckDbSession.Open(glue, spillDirectory: null);

        // Planning (what the job infers) is outside the timed COPY: the floor is the COPY alone.
        var lakeFiles = files.Select(f => new LakeFile(f, LakeFileFormat.Json, 0, DateTime.MinValue, [])).ToList();
        var schema = await SchemaInference.InferAsync(session, lakeFiles, fullScan: false, CancellationToken.None);
        var projection = CleanProjection.Plan(schema.Columns, arguments, glue.DatetimeFormats, "raw/sales");
        string raw;
        if (schemaGiven)
        {
            raw = RawReaders.Typed(LakeFileFormat.Json, files, projection.ReadColumns, new HashSet<string>());
        }
        else
        {
            var reader = RawReaders.Inferring(LakeFileFormat.Json, files, fullScan: false);
            var inferred = await session.QueryAsync($"DESCRIBE SELECT * FROM {reader}",
                r => (Name: r.GetString(0), Type: r.GetString(1)), CancellationToken.None);
            var converted = projection.ReadColumns.ToDictionary(c => c.Name, c => c.Type == DuckDbType.Varchar);
            raw = "SELECT " + string.Join(", ", projection.ReadColumns.Select(c =>
            {
                var type = inferred.First(i => i.Name == c.Name).Type;
                var name = SqlText.Identifier(c.Name);
                return !converted[c.Name] || type == "VARCHAR" ? name
                    : type == "JSON" ? $"{name} ->> '$' AS {name}" : $"CAST({name} AS VARCHAR) AS {name}";
            })) + " FROM " + reader;
        }

        // Warm-up, as for the job: the first file once, to a folder of its own.
        await session.ExecuteAsync($"COPY (SELECT * FROM read_json({SqlText.Literal(files[0])})) TO " +
            $"{SqlText.Literal(output + "-warm-up")} (FORMAT PARQUET, COMPRESSION ZSTD)", CancellationToken.None);
        File.Delete(output + "-warm-up");
        var select = projection.Select(raw, DateTimeOffset.UtcNow);
        var columns = string.Join(", ", projection.ReadColumns.Select(c => SqlText.Identifier(c.Name))
            .Append(CleanProjection.EtlProcessingColumn).Append(SqlText.Identifier(projection.PartitionKey)));
        var cpu = CpuSeconds();
        var started = Stopwatch.GetTimestamp();
        var rows = await session.ExecuteAsync(
            $"COPY (SELECT {columns} FROM ({select})) TO {SqlText.Literal(output)} (FORMAT PARQUET, COMPRESSION ZSTD, " +
            $"PARTITION_BY ({SqlText.Identifier(projection.PartitionKey)}), FILENAME_PATTERN 'part_{{i}}')",
            CancellationToken.None);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Report(new Measurement(seconds, CpuSeconds() - cpu, rows, PeakRss(), session.PeakMemoryBytes, 0, 0));
        Directory.Delete(output, recursive: true);
        return 0;
    }

    static LocalGlueOptions LocalOptions(BenchmarkArguments options, string catalogPath)
    {
        var glue = new LocalGlueOptions
        {
            LakeRoot = options.Lake!,
            CatalogPath = catalogPath,
            Threads = options.Threads,
            MemoryLimit = options.MemoryLimit,
        };
        glue.Crawlers["raw"] = new LocalCrawlerOptions { Zone = LakeZone.Raw, Database = "raw" };
        glue.Crawlers["clean"] = new LocalCrawlerOptions { Zone = LakeZone.Clean, Database = "clean" };
        var job = new LocalJobOptions();
        job.DefaultArguments["--raw_db_name"] = "raw";
        job.DefaultArguments["--clean_db_name"] = "clean";
        glue.Jobs[Job] = job;
        return glue;
    }

    static async Task<Measurement> ChildAsync(BenchmarkArguments options, string phase, string lake)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LocalEtlBenchmark).Assembly.Location);
        }

        foreach (var argument in new[]
        {
            "local-etl", "--phase", phase, "--lake", lake, "--rows", options.Rows.ToString(CultureInfo.InvariantCulture),
            "--days", options.Days.ToString(CultureInfo.InvariantCulture),
            "--seed", options.Seed.ToString(CultureInfo.InvariantCulture),
            "--threads", options.Threads.ToString(CultureInfo.InvariantCulture), "--memory-limit", options.MemoryLimit,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        return child.ExitCode == 0 && line is not null
            ? JsonSerializer.Deserialize<Measurement>(line)!
            : throw new InvalidOperationException($"Phase '{phase}' failed (exit {child.ExitCode}): {output}");
    }

    static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    static void Report(Measurement measurement) => Console.WriteLine(JsonSerializer.Serialize(measurement));

    /// <summary>The process's peak resident set (VmHWM), in bytes.</summary>
    static long PeakRss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>One step's figures; CPU seconds are the process's, less sensitive to other load than wall time.</summary>
    sealed record Measurement(
        double Seconds, double CpuSeconds, long Rows, long PeakRssBytes, long DuckDbPeakBytes, int Files, long Bytes);

    sealed record BenchmarkArguments(
        int Rows, int Days, int Seed, int Repeat, int Threads, string MemoryLimit, string? Phase, string? Lake)
    {
        public static BenchmarkArguments? Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    return null;
                }

                values[args[i][2..]] = args[i + 1];
            }

            if (args.Length % 2 != 0)
            {
                return null;
            }

            try
            {
                return new BenchmarkArguments(
                    Number("rows", 1_000_000), Number("days", 7), Number("seed", 42), Number("repeat", 3),
                    Number("threads", 0), values.GetValueOrDefault("memory-limit", "512MB"),
                    values.GetValueOrDefault("phase"), values.GetValueOrDefault("lake"));
            }
            catch (FormatException)
            {
                return null;
            }

            int Number(string name, int fallback) =>
                values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        }
    }
}
