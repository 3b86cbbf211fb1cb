using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orchestrator.Glue;
using Orchestrator.Glue.Faults;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Cli;
using Orchestrator.Host.Hosting;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// <c>orchestrator rehearse</c>: a short rehearsal with faults and a SIGKILL passes on the shipped pipeline, and a
/// planted defect (a backend that starts a second Glue run for a marker after an ambiguous start) makes it fail.
/// </summary>
public sealed class RehearsalTests : IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static string Config => RepositoryRoot.File("appsettings.json");

    [Fact]
    public async Task Three_runs_with_faults_and_one_SIGKILL_keep_every_invariant()
    {
        var options = new RehearsalOptions("data-preparation", Runs: 3, new RehearsalFaults(0.1, 0.05, 0.3, 0.1, 0.1), Crashes: 1, Seed: 20261201, directory.Path, Config);
        using var output = new StringWriter();

        var report = await PipelineRehearsal.RunAsync(options, output, Token);
        await RehearseCommand.WriteAsync(report, output);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());

        Assert.True(report.Passed, output.ToString());
        Assert.Equal(3, report.Runs.Count);
        Assert.Single(report.Kills);
        Assert.All(report.Runs, r => Assert.Contains(r.Status, new[] { "Succeeded", "Failed" }));
        Assert.True(report.Counts.GlueCalls["StartJobRun"] > 0, output.ToString());
        Assert.True(report.Counts.Faults.Values.Sum() > 0, output.ToString());
        Assert.InRange(report.Counts.AmbiguousStartsAdopted, 0, report.Counts.AmbiguousStarts);
        Assert.Contains("PASS  clean rows equal raw rows per entity: customer ", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_backend_that_starts_twice_on_an_ambiguous_start_fails_the_rehearsal_and_the_real_one_does_not(bool plantDefect)
    {
        var options = new RehearsalOptions("data-preparation", Runs: 1, new RehearsalFaults(0, 0, AmbiguousStarts: 1, 0, 0), Crashes: 0, Seed: 5, directory.Path, Config, Rows: 50);
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exitCode = await RehearseCommand.RunAsync(options, output, errors, Token, (config, url, token) => InProcessHost.StartAsync(config, url, plantDefect, token));

        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString() + errors);
        if (plantDefect)
        {
            Assert.Equal(1, exitCode);
            Assert.Matches(@"FAIL  zero duplicate Glue starts per attempt marker: \d+ of \d+ markers have more than one Glue run: data-preparation@manual-\S+/\w+/1 -> ", output.ToString());
            Assert.Contains("rehearsal FAILED", output.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(0, exitCode);
            Assert.Contains("PASS  zero duplicate Glue starts per attempt marker: 3 markers, one Glue run each", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("ambiguous starts adopted by their marker: 3 of 3", output.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "--runs", "0" }, "--runs must be at least 1; it is 0.")]
    [InlineData(new[] { "--throttle", "1.5" }, "--throttle is 1.5; give a probability from 0 to 1")]
    [InlineData(new[] { "--server-errors", "NaN" }, "--server-errors is NaN; give a probability from 0 to 1")]
    [InlineData(new[] { "--ambiguous-starts", "-0.2" }, "--ambiguous-starts is -0.2; give a probability from 0 to 1")]
    [InlineData(new[] { "--crashes", "-1" }, "--crashes must be 0 or more; it is -1.")]
    public async Task Bad_input_is_a_specific_message_and_exit_2(string[] arguments, string message)
    {
        var (exitCode, errors) = await RehearseAsync(["rehearse", "data-preparation", "--config", Config, "--work-dir", directory.Path, .. arguments]);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, errors, StringComparison.Ordinal);
        Assert.False(File.Exists(directory.File("appsettings.json")), "nothing was started");
    }

    [Fact]
    public async Task An_unknown_pipeline_is_named_with_the_configured_ones_and_exit_2()
    {
        var (exitCode, errors) = await RehearseAsync(["rehearse", "data-prep", "--config", Config, "--work-dir", directory.Path]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Pipeline 'data-prep' is not configured; the configured pipelines are: data-preparation.", errors, StringComparison.Ordinal);
    }

    public void Dispose() => directory.Dispose();

    static async Task<(int ExitCode, string Errors)> RehearseAsync(string[] arguments)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exitCode = await CommandLine.InvokeAsync(arguments, output, errors);
        return (exitCode, errors.ToString());
    }

    /// <summary>The service in this process, so a test can plant a backend under the fault decorator; it cannot be killed.</summary>
    sealed class InProcessHost(WebApplication app) : IRehearsalHost
    {
        public int ProcessId => Environment.ProcessId;

        public string Output => string.Empty;

        public static async Task<IRehearsalHost> StartAsync(string config, string url, bool plantDefect, CancellationToken cancellationToken)
        {
            var errors = new StringWriter();
            var (app, exitCode) = await OrchestratorWebApp.BuildAsync(config, url, errors, cancellationToken, services =>
            {
                if (plantDefect)
                {
                    services.AddSingleton<IGlueBackend>(provider =>
                    {
                        var options = provider.GetRequiredService<IOptions<GlueFaultOptions>>().Value;
                        return new FaultInjectingGlueBackend(new StartsTwiceGlue(provider.GetRequiredService<LocalGlueBackend>()), options,
                            TimeProvider.System, NullLogger.Instance, null, new GlueCallJournal(options.JournalPath!));
                    });
                }
            });
            if (app is null)
            {
                throw new InvalidOperationException($"The host did not start (exit {exitCode}): {errors}");
            }

            await app.StartAsync(cancellationToken);
            return new InProcessHost(app);
        }

        public Task KillAsync(CancellationToken cancellationToken) => throw new NotSupportedException("An in-process host cannot be killed.");

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// The planted defect: a backend that neither finds a run by its marker nor reconciles a repeated start, so a start
    /// repeated after a lost response creates a second Glue run for the same marker (the local engine would adopt the
    /// first, so the second is recorded under a marker of its own).
    /// </summary>
    sealed class StartsTwiceGlue(IGlueBackend inner) : ForwardingGlueBackend(inner)
    {
        readonly Dictionary<string, int> starts = [];

        public override async Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
        {
            int number;
            lock (starts)
            {
                number = starts[marker] = starts.GetValueOrDefault(marker) + 1;
            }

            var start = await Inner.StartJobRunAsync(jobName, arguments, number == 1 ? marker : $"{marker}#{number}", cancellationToken);
            return start with { Adopted = false };
        }

        public override Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken) =>
            Task.FromResult<GlueJobRun?>(null);
    }
}
