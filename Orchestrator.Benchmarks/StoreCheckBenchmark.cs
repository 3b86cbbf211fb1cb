using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Orchestrator.Host.Rehearsal;
using Orchestrator.Storage.Sqlite;

namespace Orchestrator.Benchmarks;

/// <summary>
/// What the SQLite store's start-up checks cost (a read-only look with PRAGMA quick_check, then the writability and
/// schema checks): opening a store of seeded runs, against reading the same file's bytes (the floor: quick_check
/// reads every page) and against quick_check alone. The file is in the page cache, as on a restart.
/// </summary>
static class StoreCheckBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 1 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var directory = Directory.CreateTempSubdirectory("orchestrator-store-check-bench-");
        try
        {
            var path = Path.Combine(directory.FullName, "orchestrator.db");
            var seeded = await RunHistorySeeder.SeedAsync(path, ApiBenchmark.Pipeline(), new RunHistorySeed(runs, DateTime.UtcNow, TimeSpan.FromMinutes(30)));
            SqliteConnection.ClearAllPools();
            var megabytes = new FileInfo(path).Length / 1024.0 / 1024.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {seeded.Runs} runs: {megabytes:F0} MB"));

            var buffer = new byte[1024 * 1024];
            var read = Median(() =>
            {
                using var file = File.OpenRead(path);
                while (file.Read(buffer) > 0)
                {
                }

                return 0;
            });
            var quickCheck = Median(() =>
            {
                using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=false");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA quick_check;";
                return command.ExecuteScalar();
            });
            var open = Median(() =>
            {
                new SqliteOrchestrationService(new SqliteOrchestrationServiceSettings(path)).CreateIfNotExistsAsync().GetAwaiter().GetResult();
                SqliteConnection.ClearAllPools();
                return 0;
            });

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read the file (floor)      {read.TotalMilliseconds,8:F0} ms  {megabytes / read.TotalSeconds,7:F0} MB/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PRAGMA quick_check alone   {quickCheck.TotalMilliseconds,8:F0} ms  {megabytes / quickCheck.TotalSeconds,7:F0} MB/s  {quickCheck / read,5:F1}x the floor"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"open with start-up checks  {open.TotalMilliseconds,8:F0} ms  {megabytes / open.TotalSeconds,7:F0} MB/s  {open / read,5:F1}x the floor"));
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The median of five timed runs, after one untimed run that warms the page cache.</summary>
    static TimeSpan Median(Func<object?> work)
    {
        work();
        var times = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            work();
            times.Add(stopwatch.Elapsed);
        }

        return times.Order().ElementAt(2);
    }
}
