using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// A job run that has already ended when its start returns (it failed at once, or it is that quick) ends its step
/// from the read the start makes: no durable timer for the first poll, no poll activity (issue 14: two of the four
/// turns an entity's step took, and one of its two activities).
/// </summary>
public sealed class JobEndedAtStartTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_job_run_over_when_its_start_returns_ends_the_step_without_waiting_for_the_first_poll()
    {
        EndsAtStartGlue? glue = null;
        var firstPoll = TimeSpan.FromSeconds(40);
        await using var host = await TestHost.StartAsync(
            configure: orchestrator =>
            {
                var pipeline = orchestrator["Pipelines"]!["data-preparation"]!.AsObject();
                pipeline.Remove("RawCrawler");
                pipeline.Remove("CleanCrawler");
                pipeline["Poll"] = new JsonObject { ["FirstDelay"] = "00:00:40", ["MaxDelay"] = "00:01:00" };
            },
            services: services => services.AddSingleton<IGlueBackend>(provider =>
                glue = new EndsAtStartGlue(provider.GetRequiredService<LocalGlueBackend>())));

        var run = await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(),
            await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(["sales"]), Token));

        var sales = run.Steps.Single(s => s.Id == "job/sales");
        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        var attempt = Assert.Single(sales.Attempts);
        Assert.NotNull(attempt.PartitionChanges);
        // Before, the step slept through the poll policy's first delay and then polled.
        Assert.True(sales.EndedAt - sales.StartedAt < firstPoll, $"the step took {sales.EndedAt - sales.StartedAt}");
        Assert.Equal(1, glue!.Reads.GetValueOrDefault(attempt.GlueRunId!));
    }

    /// <summary>Returns a job run's start only once the run has ended; counts the reads of each run.</summary>
    sealed class EndsAtStartGlue(LocalGlueBackend inner) : ForwardingGlueBackend(inner)
    {
        public ConcurrentDictionary<string, int> Reads { get; } = new();

        public override async Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
        {
            var start = await Inner.StartJobRunAsync(jobName, arguments, marker, cancellationToken);
            while (!(await Inner.GetJobRunAsync(jobName, start.RunId, cancellationToken)).State.IsTerminal)
            {
                await Task.Delay(50, cancellationToken);
            }

            return start;
        }

        public override Task<GlueJobRun> GetJobRunAsync(string jobName, string runId, CancellationToken cancellationToken)
        {
            Reads.AddOrUpdate(runId, 1, (_, n) => n + 1);
            return Inner.GetJobRunAsync(jobName, runId, cancellationToken);
        }
    }
}
