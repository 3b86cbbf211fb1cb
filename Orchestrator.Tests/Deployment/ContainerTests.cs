using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The image built from the repository's Dockerfile and run by podman, checked for what an operator relies on:
/// the user, logs, health endpoints and HEALTHCHECK, the refusal without a key, a run inside the container, the
/// /data volume across containers, SIGTERM draining and a SIGKILL mid-run.
/// </summary>
[Collection(LocalImage.Collection)]
public sealed class ContainerTests(LocalImage image)
{
    const string Pipeline = "data-preparation";

    /// <summary>The schedule's own run at start-up is left out where the test's run must be the API's.</summary>
    static readonly (string, string) NoRunOnStartup = ($"Orchestrator__Pipelines__{Pipeline}__RunOnStartup", "false");

    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    /// <summary>What the image's operator gives <c>docker stop -t</c>: the worker's drain plus the host's margin, with room to spare.</summary>
    static TimeSpan StopTimeout => ComposeFileTests.ShippedShutdownGracePeriod() + ComposeFileTests.HostStopMargin + TimeSpan.FromSeconds(10);

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task It_runs_as_app_logs_json_answers_health_and_readiness_passes_its_healthcheck_and_drains_on_sigterm_without_losing_the_run()
    {
        image.Require();
        await using var volume = await DataVolume.CreateAsync(image.Podman);
        string location;
        TimeSpan took;
        await using (var container = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment(NoRunOnStartup)))
        {
            await container.WaitUntilAnsweringAsync(StartTimeout);

            Assert.Equal(HttpStatusCode.OK, (await container.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Token)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await container.Client.GetAsync(new Uri("/readyz", UriKind.Relative), Token)).StatusCode);
            var host = await container.ExecAsync("cat", "/proc/1/status");
            var uids = host.StandardOutput.Split('\n').Single(line => line.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1..];
            Assert.All(uids, uid => Assert.Equal("1654", uid));
            Assert.Equal("1654", (await container.ExecAsync("stat", "--format", "%u", "/data/orchestrator.db")).StandardOutput.Trim());

            var healthcheck = await image.Podman.RunAsync(["healthcheck", "run", container.Name]);
            Assert.True(healthcheck.ExitCode == 0, $"podman healthcheck run exited {healthcheck.ExitCode}: {healthcheck.Output}");
            Assert.Equal("healthy", await container.InspectAsync("{{.State.Health.Status}}"));

            location = await TriggerRunAsync(container);
            await UntilAJobRunsAsync(container, location);
            (var exitCode, took) = await container.StopAsync(StopTimeout);

            var grace = ComposeFileTests.ShippedShutdownGracePeriod();
            var logs = await container.LogsAsync();
            Assert.True(exitCode == 0, $"podman stop ended the container with {exitCode} after {took}:\n{logs}");
            Assert.True(took < grace + ComposeFileTests.HostStopMargin, $"SIGTERM took {took} to stop the host; its drain is {grace}");
            var events = JsonLines(logs);
            Assert.Contains(events, e => e["@m"]?.GetValue<string>() == "Durable worker drained");
            Assert.Contains(events, e => e["RunId"]?.GetValue<string>() == RunId(location) && e["Step"] is not null);
            Assert.DoesNotContain(ImageContainer.ApiKey, logs, StringComparison.Ordinal);
        }

        // Drained means nothing lost: the next container on the volume carries the run on to its end.
        await using var next = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment(NoRunOnStartup));
        await next.WaitUntilAnsweringAsync(StartTimeout);
        var interrupted = AssertSucceededAfterInterruption(await UntilAsync(next, location, Finished));
        LocalImage.Report($"SIGTERM: `podman stop` with the fan-out running took {took.TotalSeconds:F1} s "
            + $"(drain limit {ComposeFileTests.ShippedShutdownGracePeriod().TotalSeconds:F0} s); the next container finished the run ({interrupted} interrupted job runs retried)");
    }

    [Fact]
    public async Task Without_a_key_it_refuses_to_start_and_says_which_variable_to_set()
    {
        image.Require();
        await using var volume = await DataVolume.CreateAsync(image.Podman);
        var environment = ImageContainer.Environment();
        environment.Remove("Orchestrator__Api__Keys__0");

        await using var container = await ImageContainer.StartAsync(image, volume, environment);

        Assert.Equal(2, await container.WaitForExitAsync(StartTimeout));
        var logs = await container.LogsAsync();
        Assert.Contains("Refusing to listen on http://+:8080 without API keys", logs, StringComparison.Ordinal);
        Assert.Contains("Orchestrator__Api__Keys__0", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_triggered_through_the_api_succeeds_and_the_data_volume_keeps_it_for_the_next_containers()
    {
        image.Require();
        await using var volume = await DataVolume.CreateAsync(image.Podman);
        string manualRun;
        IReadOnlyList<string> parquet;
        await using (var first = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment(NoRunOnStartup)))
        {
            await first.WaitUntilAnsweringAsync(StartTimeout);
            var location = await TriggerRunAsync(first);
            manualRun = RunId(location);

            var run = await UntilAsync(first, location, Finished);
            Assert.True(run["status"]!.GetValue<string>() == "Succeeded", run.ToJsonString());
            parquet = await CleanParquetAsync(first);
            var pipeline = (await first.GetJsonAsync("/api/pipelines")).AsArray().Single(p => p!["name"]!.GetValue<string>() == Pipeline)!;
            var entities = pipeline["entities"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.All(entities, entity => Assert.Contains(parquet, file => file.StartsWith($"/data/lake/clean/{entity}/", StringComparison.Ordinal)));
            Assert.Equal(0, (await first.StopAsync(StopTimeout)).ExitCode);
        }

        DateTime slot;
        string slotCreatedAt;
        await using (var second = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment()))
        {
            await second.WaitUntilAnsweringAsync(StartTimeout);
            Assert.Equal("Succeeded", (await second.GetJsonAsync($"/api/runs/{Uri.EscapeDataString(manualRun)}"))["status"]!.GetValue<string>());
            Assert.Subset(parquet.ToHashSet(), (await CleanParquetAsync(second)).ToHashSet());

            // RunOnStartup: this container starts the current slot's run.
            var scheduled = await UntilListedAsync(second, run => run["kind"]!.GetValue<string>() == "Scheduled");
            var slotRun = await UntilAsync(second, $"/api/runs/{Uri.EscapeDataString(scheduled["runId"]!.GetValue<string>())}", Finished);
            Assert.True(slotRun["status"]!.GetValue<string>() == "Succeeded", slotRun.ToJsonString());
            slot = slotRun["scheduledSlot"]!.GetValue<DateTime>();
            slotCreatedAt = slotRun["createdAt"]!.GetValue<string>();
            Assert.Equal(0, (await second.StopAsync(StopTimeout)).ExitCode);
        }

        // The scheduler's debug lines say what it did with the slot at start-up.
        var debugScheduler = ("Serilog__MinimumLevel__Override__Orchestrator.Host.Scheduling", "Debug");
        await using var third = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment(debugScheduler));
        await third.WaitUntilAnsweringAsync(StartTimeout);
        var decision = await UntilLoggedAsync(third, e => e["Slot"] is not null && e["Pipeline"]?.GetValue<string>() == Pipeline);

        Assert.DoesNotContain(JsonLines(await third.LogsAsync()), e => e["@m"]!.GetValue<string>().StartsWith("Started the run of slot", StringComparison.Ordinal) && SlotOf(e) == slot);
        Assert.True(SlotOf(decision) > slot || decision["@m"]!.GetValue<string>().Contains("was already started", StringComparison.Ordinal), decision.ToJsonString());
        var runs = (await third.GetJsonAsync($"/api/runs?pipeline={Pipeline}&limit=100"))["runs"]!.AsArray();
        Assert.Single(runs, run => run!["runId"]!.GetValue<string>() == manualRun);
        Assert.Equal(slotCreatedAt, Assert.Single(runs, run => run!["scheduledSlot"]?.GetValue<DateTime>() == slot)!["createdAt"]!.GetValue<string>());
        LocalImage.Report($"volume: a run through the API wrote {parquet.Count} Parquet files under /data; two later containers on the volume listed it, and slot {slot:HH:mm} ran once");
    }

    [Fact]
    public async Task After_a_sigkill_mid_run_a_new_container_on_the_same_volume_finishes_the_run()
    {
        image.Require();
        await using var volume = await DataVolume.CreateAsync(image.Podman);
        string location;
        var killed = Stopwatch.StartNew();
        await using (var first = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment(NoRunOnStartup)))
        {
            await first.WaitUntilAnsweringAsync(StartTimeout);
            location = await TriggerRunAsync(first);
            await UntilAJobRunsAsync(first, location);
            await first.KillAsync();
            killed.Restart();
            Assert.Equal("137", await first.InspectAsync("{{.State.ExitCode}}"));
        }

        await using var second = await ImageContainer.StartAsync(image, volume, ImageContainer.Environment(NoRunOnStartup));
        await second.WaitUntilAnsweringAsync(StartTimeout);
        var run = await UntilAsync(second, location, Finished);

        var interrupted = AssertSucceededAfterInterruption(run);

        Assert.NotEmpty(await CleanParquetAsync(second));
        LocalImage.Report($"SIGKILL: a new container on the volume finished the run {killed.Elapsed.TotalSeconds:F0} s after the kill "
            + $"({interrupted} interrupted job runs retried)");
    }

    /// <summary>
    /// The run Succeeded although its host went away mid fan-out: a local job run dies with its process and is
    /// reported FAILED (interrupted), then the retry policy runs a new attempt. Nothing else may have failed, and no
    /// Glue run may stand for two attempts. Returns how many job runs were interrupted.
    /// </summary>
    static int AssertSucceededAfterInterruption(JsonNode run)
    {
        Assert.True(run["status"]!.GetValue<string>() == "Succeeded", run.ToJsonString());
        var jobs = run["steps"]!.AsArray().Where(step => step!["kind"]!.GetValue<string>() == "EntityJob").Select(step => step!).ToList();
        Assert.NotEmpty(jobs);
        foreach (var job in jobs)
        {
            var attempts = job["attempts"]!.AsArray().Select(a => a!).ToList();
            Assert.Equal("SUCCEEDED", attempts[^1]["state"]!.GetValue<string>());
            Assert.All(attempts[..^1], a => Assert.Contains("interrupted by host", a["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal));
            Assert.Equal(attempts.Count, attempts.Select(a => a["glueRunId"]!.GetValue<string>()).Distinct().Count());
        }

        return jobs.Sum(job => job["attempts"]!.AsArray().Count - 1);
    }

    /// <summary>
    /// Waits until an entity job step runs: the raw crawl is over and the clean one not begun. Crawler steps are not
    /// retried yet, so a stop or kill during a local crawl fails the run (docs/operations.md).
    /// </summary>
    static Task<JsonNode> UntilAJobRunsAsync(ImageContainer container, string location) =>
        UntilAsync(container, location, run => run["steps"]!.AsArray().Any(step => step!["kind"]!.GetValue<string>() == "EntityJob" && step["state"]!.GetValue<string>() == "Running"));

    static bool Finished(JsonNode run) => run["status"]!.GetValue<string>() is not ("Pending" or "Running");

    static string RunId(string location) => Uri.UnescapeDataString(location[(location.LastIndexOf('/') + 1)..]);

    static DateTime SlotOf(JsonNode logEvent) => DateTime.Parse(logEvent["Slot"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    static async Task<string> TriggerRunAsync(ImageContainer container)
    {
        using var accepted = await container.Client.PostAsJsonAsync($"/api/pipelines/{Pipeline}/runs", new { reason = "container test" }, Token);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, $"{accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync(Token)}");
        return accepted.Headers.Location!.ToString();
    }

    /// <summary>GET of a run until <paramref name="condition"/> holds.</summary>
    static Task<JsonNode> UntilAsync(ImageContainer container, string location, Func<JsonNode, bool> condition) =>
        EventuallyAsync(RunTimeout, async () =>
        {
            var run = await container.GetJsonAsync(location);
            return (condition(run) ? run : null, run.ToJsonString());
        });

    static Task<JsonNode> UntilListedAsync(ImageContainer container, Func<JsonNode, bool> condition) =>
        EventuallyAsync(StartTimeout, async () =>
        {
            var runs = (await container.GetJsonAsync($"/api/runs?pipeline={Pipeline}"))["runs"]!.AsArray();
            return (runs.FirstOrDefault(run => condition(run!)), runs.ToJsonString());
        });

    static Task<JsonObject> UntilLoggedAsync(ImageContainer container, Func<JsonObject, bool> condition) =>
        EventuallyAsync(StartTimeout, async () =>
        {
            var logs = await container.LogsAsync();
            return (JsonLines(logs).FirstOrDefault(condition), logs);
        });

    /// <summary>Reads until <paramref name="read"/> finds something; fails with what it saw last after <paramref name="timeout"/>.</summary>
    static async Task<T> EventuallyAsync<T>(TimeSpan timeout, Func<Task<(T? Found, string Seen)>> read)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (found, seen) = await read();
            if (found is not null)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not there within {timeout}; last seen:\n{seen}");
            await Task.Delay(TimeSpan.FromMilliseconds(250), Token);
        }
    }

    /// <summary>Every log line as JSON (the image logs compact JSON); a line that is not JSON fails the test.</summary>
    static List<JsonObject> JsonLines(string logs) =>
        logs.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
        {
            try
            {
                var node = JsonNode.Parse(line)!.AsObject();
                Assert.True(node["@t"] is not null && node["@m"] is not null, $"a log line without @t or @m: {line}");
                return node;
            }
            catch (System.Text.Json.JsonException)
            {
                Assert.Fail($"a log line that is not JSON: {line}");
                throw;
            }
        }).ToList();

    /// <summary>The Parquet files under /data/lake/clean, as the container sees them.</summary>
    static async Task<IReadOnlyList<string>> CleanParquetAsync(ImageContainer container)
    {
        var find = await container.ExecAsync("find", "/data/lake/clean", "-name", "*.parquet", "-size", "+0");
        Assert.True(find.ExitCode == 0, find.Output);
        return find.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
