using System.Net.Http.Json;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Serializing;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Runs;
using Orchestrator.Storage;
using Orchestrator.Storage.Sqlite;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;

namespace Orchestrator.Tests.Runs;

/// <summary>
/// A run's progress (its custom status, checkpointed every turn) is written compactly, only its moved steps
/// serialized again, and reads back exactly as the steps stand; runs stored in the earlier shape (with DurableTask's
/// type names) keep showing in the API and its status filters.
/// </summary>
public sealed class RunProgressTests
{
    static readonly DataConverter Json = JsonDataConverter.Default;
    static readonly DateTime At = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    static readonly string RunOrchestration = NameVersionHelper.GetDefaultName(typeof(PipelineRunOrchestration));

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Written_progress_reads_back_as_the_steps_stand_without_type_names()
    {
        var steps = Steps();
        var visibility = new List<EntityVisibility> { new("sales", At.AddMinutes(5), 300.5, Late: true), new("customer", null, null, false) };

        var written = new RunProgressWriter().Write(steps, stopRequested: true, RunStatus.Failed, "sales: GlueJobFailed boom", visibility);

        var expected = new RunProgress(steps.Select(StepSummary.Of).ToList(), true, RunStatus.Failed, "sales: GlueJobFailed boom", visibility);
        Assert.Equal(Json.Serialize(expected), Json.Serialize(Json.Deserialize<RunProgress>(written)));
        Assert.DoesNotContain("$type", written, StringComparison.Ordinal);
        // The store's outcome index reads Status as DurableTask's converter wrote it: a number.
        Assert.Equal((int)RunStatus.Failed, JsonDocument.Parse(written).RootElement.GetProperty("Status").GetInt32());
        Assert.True(written.Length * 5 < Json.Serialize(expected).Length * 3, $"{written.Length} characters against {Json.Serialize(expected).Length} in the earlier shape");
    }

    [Fact]
    public void A_step_that_moved_is_written_anew_and_the_others_as_they_were()
    {
        var writer = new RunProgressWriter();
        var steps = Steps();
        var first = writer.Write(steps, false, null, null, null);
        Assert.Equal(first, writer.Write(steps, false, null, null, null));

        steps[1] = steps[1] with { State = StepState.Failed, EndedAt = At.AddMinutes(9), ErrorMessage = "it broke" };
        var second = Json.Deserialize<RunProgress>(writer.Write(steps, false, null, null, null));

        Assert.Null(second.Status);
        Assert.Equal(steps.Select(s => (s.Id, s.State, s.EndedAt, s.ErrorMessage)), second.Steps.Select(s => (s.Id, s.State, s.EndedAt, s.ErrorMessage)));
        Assert.Equal(Json.Serialize(Json.Deserialize<RunProgress>(first).Steps[0]), Json.Serialize(second.Steps[0]));
    }

    [Fact]
    public async Task Runs_stored_in_the_earlier_shape_and_in_the_compact_one_show_alike_in_the_API_and_its_status_filter()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);
        var steps = Steps();
        var summaries = steps.Select(StepSummary.Of).ToList();
        var earlier = Json.Serialize(new RunProgress(summaries, false, RunStatus.Failed, "sales: it broke"));
        var compact = new RunProgressWriter().Write(steps, false, RunStatus.Failed, "sales: it broke", null);
        Assert.Contains("$type", earlier, StringComparison.Ordinal);
        var store = (SqliteOrchestrationService)host.Service<DurableStore>().Service;
        await store.ImportFinishedAsync(
        [
            new FinishedInstance("data-preparation@manual-earlier", "e", RunOrchestration, OrchestrationStatus.Completed, At, At.AddMinutes(10), null, null, earlier),
            new FinishedInstance("data-preparation@manual-compact", "e", RunOrchestration, OrchestrationStatus.Completed, At.AddMinutes(1), At.AddMinutes(11), null, null, compact),
        ], Token);

        var failed = await host.Client.GetFromJsonAsync<JsonElement>("/api/runs?pipeline=data-preparation&status=Failed", Token);
        var listed = failed.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["data-preparation@manual-compact", "data-preparation@manual-earlier"], listed.Select(r => r.GetProperty("runId").GetString()));
        var views = listed.Select(r => r.GetProperty("steps").GetRawText()).ToList();
        foreach (var runId in new[] { "data-preparation@manual-earlier", "data-preparation@manual-compact" })
        {
            var view = await host.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", Token);
            Assert.Equal("Failed", view.GetProperty("status").GetString());
            Assert.Equal("sales: it broke", view.GetProperty("message").GetString());
            Assert.Equal(["sales"], view.GetProperty("failedEntities").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(steps.Select(s => ((string?)s.Id, (string?)s.State.ToString())),
                view.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("id").GetString(), s.GetProperty("state").GetString())));
        }

        Assert.Equal(views[0], views[1]);
    }

    [Fact]
    public async Task A_real_run_checkpoints_its_progress_without_type_names_and_reads_back_every_step()
    {
        await using var host = await TestHost.StartAsync();
        var queries = host.Service<RunQueries>();

        var run = await PipelineRunTests.RunToEndAsync(queries, await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token));

        var stored = await ((IOrchestrationServiceClient)host.Service<DurableStore>().Service).GetOrchestrationStateAsync(run.Summary.RunId, null);
        Assert.DoesNotContain("$type", stored.Status, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Succeeded, run.Summary.Status);
        Assert.Equal(run.Steps.Select(StepSummary.Of).Select(s => Json.Serialize(s)), run.Summary.Steps.Select(s => Json.Serialize(s)));
    }

    /// <summary>A run's steps in every state, one with a cost, one failed twice.</summary>
    internal static List<StepOutcome> Steps()
    {
        var cost = new AttemptCost(1200, 0.15, AttemptCost.Crawl, Estimated: true);
        return
        [
            new("raw-crawler", StepKind.RawCrawler, "raw", "raw", StepState.Succeeded, At, At.AddMinutes(1), null, null,
                [new AttemptRecord(1, "crawl-1", "SUCCEEDED", At, At.AddMinutes(1), null, null, Cost: cost)]),
            new("job/sales", StepKind.EntityJob, "sales", "prepare-sales", StepState.Failed, At.AddMinutes(1), At.AddMinutes(4), "GlueJobFailed", "it broke",
                [new AttemptRecord(1, "jr_1", "FAILED", At.AddMinutes(1), At.AddMinutes(2), "GlueJobFailed", "it broke"),
                 new AttemptRecord(2, "jr_2", "FAILED", At.AddMinutes(3), At.AddMinutes(4), "GlueJobFailed", "it broke")]),
            new("job/customer", StepKind.EntityJob, "customer", "prepare-customer", StepState.Running, At.AddMinutes(1), null, null, null,
                [new AttemptRecord(1, "jr_3", "RUNNING", At.AddMinutes(1), null, null, null)]),
            StepOutcome.Pending("clean-crawler", StepKind.CleanCrawler, "clean", "clean"),
        ];
    }
}
