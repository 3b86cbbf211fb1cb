using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>
/// A start whose response is lost after Glue created the run, then a retry that is throttled until the start's
/// attempts are spent: the run Glue created must be found and watched, not left running unseen behind a failed step
/// (found by <c>rehearse</c>).
/// </summary>
public sealed class LostStartTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_run_created_by_a_start_whose_response_was_lost_is_adopted_when_the_retries_are_refused()
    {
        LostResponseGlue? glue = null;
        await using var host = await TestHost.StartAsync(services: services => services.AddSingleton<IGlueBackend>(provider =>
            glue = new LostResponseGlue(provider.GetRequiredService<LocalGlueBackend>(), "/sales/1")));

        var run = await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(),
            await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(["sales"]), Token));

        var sales = run.Steps.Single(s => s.Id == "job/sales");
        Assert.True(run.Summary.Status == RunStatus.Succeeded, string.Join("; ", sales.Attempts.Select(a => $"{a.State} {a.ErrorMessage}")));
        Assert.Equal(StepState.Succeeded, sales.State);
        var attempt = Assert.Single(sales.Attempts);
        Assert.Equal(glue!.CreatedRunId, attempt.GlueRunId);
        Assert.Equal(1, glue.Starts);
        Assert.Single(new LakeInspection(host.DataDirectory).JobRuns(), r => r.Marker?.EndsWith("/sales/1", StringComparison.Ordinal) == true);
    }

    /// <summary>
    /// The first start under a marker ending in <paramref name="markerSuffix"/> creates its run and then fails as if
    /// its response was lost (HTTP 500); the next marker lookup is throttled. Everything else reaches the local engine.
    /// </summary>
    sealed class LostResponseGlue(LocalGlueBackend inner, string markerSuffix) : ForwardingGlueBackend(inner)
    {
        int lookupsAfterLoss;

        public string? CreatedRunId { get; private set; }

        public int Starts { get; private set; }

        public override async Task<JobRunStart> StartJobRunAsync(string jobName, IReadOnlyDictionary<string, string> arguments, string marker, CancellationToken cancellationToken)
        {
            Starts++;
            var start = await Inner.StartJobRunAsync(jobName, arguments, marker, cancellationToken);
            if (marker.EndsWith(markerSuffix, StringComparison.Ordinal) && CreatedRunId is null)
            {
                CreatedRunId = start.RunId;
                throw new GlueException(GlueErrorCodes.InternalService, "the run was created but the response was lost", 500);
            }

            return start;
        }

        public override Task<GlueJobRun?> FindJobRunByMarkerAsync(string jobName, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken)
        {
            if (CreatedRunId is not null && marker.EndsWith(markerSuffix, StringComparison.Ordinal) && ++lookupsAfterLoss == 1)
            {
                throw new GlueException(GlueErrorCodes.Throttling, "Rate exceeded", 400);
            }

            return Inner.FindJobRunByMarkerAsync(jobName, marker, notBefore, cancellationToken);
        }
    }
}
