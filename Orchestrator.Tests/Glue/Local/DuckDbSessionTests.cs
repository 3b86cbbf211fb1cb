using System.Diagnostics;
using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

public sealed class DuckDbSessionTests
{
    [Fact]
    public async Task Sessions_work_offline_in_utc_with_the_configured_limits()
    {
        using var session = DuckDbSession.Open(
            new LocalGlueOptions { Threads = 1, MemoryLimit = "256MB" }, spillDirectory: null);

        var settings = await session.QueryAsync("""
            SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'),
                   current_setting('TimeZone'), current_setting('threads'), current_setting('memory_limit')
            """, r => (r.GetBoolean(0), r.GetBoolean(1), r.GetString(2), r.GetInt64(3), r.GetString(4)),
            TestContext.Current.CancellationToken);

        Assert.Equal((false, false, "UTC", 1L, "244.1 MiB"), settings.Single());
    }

    [Fact]
    public async Task Cancelling_interrupts_a_running_statement()
    {
        using var session = DuckDbSession.Open(new LocalGlueOptions { Threads = 1 }, spillDirectory: null);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var watch = Stopwatch.StartNew();
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.ExecuteAsync(
            "CREATE TABLE t AS SELECT count(*) FROM range(100000000000) r(x) WHERE x % 7 = 3", cancellation.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed} to stop");
        Assert.Equal(42, (await session.QueryAsync("SELECT 42", r => r.GetInt32(0), CancellationToken.None)).Single());
    }
}
