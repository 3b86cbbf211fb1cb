using System.Net.Http.Json;
using System.Text.Json;
using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Runs;

/// <summary>Reading runs whose stored data is damaged: what cannot be read is logged and named, never passed over.</summary>
public sealed class RunQueriesTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_run_whose_input_cannot_be_read_is_shown_with_the_payload_named_unreadable_and_logged()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        const string runId = "data-preparation@manual-damaged";
        // A JSON string where a run input object belongs: what a damaged or foreign write leaves behind.
        await new TaskHubClient(host.Service<IOrchestrationServiceClient>()).CreateOrchestrationInstanceAsync(
            NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration)), string.Empty, runId, "not a run input");
        var log = new FakeLogger<RunQueries>();
        var queries = new RunQueries(
            host.Service<IOrchestrationServiceClient>(), host.Service<Orchestrator.Storage.Listings.IInstanceListing>(), host.Service<PipelineCatalog>(),
            host.Service<IGlueBackend>(), new RunListingCache(TimeProvider.System), TimeProvider.System, log);

        var run = await queries.GetAsync(runId, Token);

        Assert.Null(run.Input);
        Assert.False(run.Actions.CanReplay);
        var unreadable = Assert.Single(run.Unreadable!);
        Assert.StartsWith("input: ", unreadable, StringComparison.Ordinal);
        var logged = Assert.Single(log.Collector.GetSnapshot(), r => r.Id.Id == 2101);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal(runId, logged.StructuredState!.Single(p => p.Key == "RunId").Value);
        Assert.Equal("input", logged.StructuredState!.Single(p => p.Key == "Payload").Value);
        Assert.NotNull(logged.Exception);

        var view = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
        Assert.StartsWith("input: ", view.GetProperty("unreadable")[0].GetString(), StringComparison.Ordinal);
        var replay = await host.Client.PostAsJsonAsync($"/api/runs/{runId}/replay", new { }, Token);
        await ApiContractTests.AssertProblemAsync(replay, System.Net.HttpStatusCode.Conflict, $"Run '{runId}' has no readable input to replay (input: ");
    }
}
