using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Activities.Runs;
using Orchestrator.Host.Cli;
using Orchestrator.Tests.Hosting;
using Orchestrator.Tests.Pipelines;

namespace Orchestrator.Tests.Plans;

/// <summary>
/// <c>GET /api/pipelines/{name}/plan</c> and <c>orchestrator plan</c> on the embedded default, over an empty, a
/// partially new and a fully processed lake: what a run would do now, and that asking starts nothing.
/// </summary>
public sealed class PlanTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Over_an_empty_lake_every_entity_would_skip_with_its_missing_raw_folder_as_evidence()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewDataTests.SkipWhenNoNewData, sampleRows: 0);

        var plan = await PlanAsync(host);

        Assert.Equal(["raw-crawler", "job/customer", "job/customer_address", "job/sales", "clean-crawler"], Ids(plan));
        Assert.Equal((0, 3), (plan.GetProperty("entitiesToRun").GetInt32(), plan.GetProperty("entitiesToSkip").GetInt32()));
        foreach (var entity in new[] { "customer", "customer_address", "sales" })
        {
            var step = Step(plan, $"job/{entity}");
            Assert.Equal("Skip", step.GetProperty("action").GetString());
            Assert.StartsWith("no new data: the raw folder raw/" + entity + " does not exist", step.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.False(step.GetProperty("rawData").GetProperty("hasNewData").GetBoolean());
        }

        Assert.Equal("Skip", Step(plan, "clean-crawler").GetProperty("action").GetString());
        // No run on record: no estimate, for the steps or the run.
        Assert.False(plan.TryGetProperty("estimatedSeconds", out var estimate) && estimate.ValueKind != JsonValueKind.Null);
        Assert.Equal(0, Step(plan, "raw-crawler").GetProperty("samples").GetInt32());
    }

    [Fact]
    public async Task Over_a_partially_new_lake_only_the_entity_with_new_files_would_run_with_their_count_and_bytes_and_an_estimate()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewDataTests.SkipWhenNoNewData);
        var first = await RunAsync(host);
        var written = await SkipWhenNoNewDataTests.WriteNewRawFilesAsync(host, "sales");
        var newBytes = Directory.EnumerateFiles(Path.Combine(host.LakeRoot, "raw", "sales"), "*", SearchOption.AllDirectories)
            .Select(f => new FileInfo(f)).Where(f => f.LastWriteTimeUtc > first.Summary.CompletedAt!.Value).Sum(f => f.Length);

        var plan = await PlanAsync(host);

        var sales = Step(plan, "job/sales");
        Assert.Equal("Run", sales.GetProperty("action").GetString());
        Assert.StartsWith("new raw data: ", sales.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var raw = sales.GetProperty("rawData");
        Assert.Equal(written.FilesWritten, raw.GetProperty("newFiles").GetInt32());
        Assert.Equal(newBytes, raw.GetProperty("newBytes").GetInt64());
        Assert.Equal("Skip", Step(plan, "job/customer").GetProperty("action").GetString());
        Assert.Equal("Run", Step(plan, "clean-crawler").GetProperty("action").GetString());
        Assert.Equal((1, 2), (plan.GetProperty("entitiesToRun").GetInt32(), plan.GetProperty("entitiesToSkip").GetInt32()));

        // Estimates are the durations of the first run's attempts (one sample each): raw crawl + sales job + clean crawl.
        var seconds = (string id) =>
        {
            var attempt = first.Steps.Single(s => s.Id == id).Attempts.Last();
            return (attempt.EndedAt!.Value - attempt.StartedAt!.Value).TotalSeconds;
        };
        Assert.Equal(1, sales.GetProperty("samples").GetInt32());
        Assert.Equal(seconds("job/sales"), sales.GetProperty("estimatedSeconds").GetDouble(), 3);
        Assert.Equal(seconds("raw-crawler") + seconds("job/sales") + seconds("clean-crawler"), plan.GetProperty("estimatedSeconds").GetDouble(), 3);

        // And so are the cost estimates: what those attempts were billed (the local engine prices them as AWS would).
        var dpuSeconds = (string id) => first.Steps.Single(s => s.Id == id).Attempts.Last().Cost!.DpuSeconds;
        Assert.Equal(dpuSeconds("job/sales"), sales.GetProperty("estimatedCost").GetProperty("dpuSeconds").GetDouble(), 6);
        var cost = plan.GetProperty("estimatedCost");
        Assert.Equal(dpuSeconds("raw-crawler") + dpuSeconds("job/sales") + dpuSeconds("clean-crawler"), cost.GetProperty("dpuSeconds").GetDouble(), 6);
        Assert.True(cost.GetProperty("estimated").GetBoolean());
        Assert.Equal("the pipeline has no budget", plan.GetProperty("budget").GetProperty("reason").GetString());

        // The run that follows does what the plan said.
        var second = await RunAsync(host);
        Assert.Equal(StepState.Succeeded, second.Steps.Single(s => s.Id == "job/sales").State);
        Assert.True(second.Steps.Single(s => s.Id == "job/customer").SkippedNoNewData);
    }

    [Fact]
    public async Task Over_a_fully_processed_lake_everything_but_the_raw_crawl_would_skip_and_planning_starts_nothing()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewDataTests.SkipWhenNoNewData);
        await RunAsync(host);
        var lake = new LakeInspection(host.DataDirectory);
        var jobRuns = lake.JobRuns().Count;
        var runs = (await host.Service<RunQueries>().ListAsync(new RunFilter("data-preparation"), Token)).Runs.Count;

        var plan = await PlanAsync(host);

        Assert.Equal("Run", Step(plan, "raw-crawler").GetProperty("action").GetString());
        Assert.All(Ids(plan).Skip(1), id => Assert.Equal("Skip", Step(plan, id).GetProperty("action").GetString()));
        Assert.Equal((0, 3), (plan.GetProperty("entitiesToRun").GetInt32(), plan.GetProperty("entitiesToSkip").GetInt32()));
        Assert.Equal(Step(plan, "raw-crawler").GetProperty("estimatedSeconds").GetDouble(), plan.GetProperty("estimatedSeconds").GetDouble());
        Assert.Equal(jobRuns, lake.JobRuns().Count);
        Assert.Equal(runs, (await host.Service<RunQueries>().ListAsync(new RunFilter("data-preparation"), Token)).Runs.Count);
    }

    [Fact]
    public async Task Without_SkipWhenNoNewData_every_entity_would_run_and_the_plan_still_counts_its_new_files()
    {
        await using var host = await TestHost.StartAsync();

        var plan = await PlanAsync(host, "?entity=sales");

        Assert.Equal(["raw-crawler", "job/sales", "clean-crawler"], Ids(plan));
        var sales = Step(plan, "job/sales");
        Assert.Equal("Run", sales.GetProperty("action").GetString());
        Assert.StartsWith("SkipWhenNoNewData is off", sales.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(sales.GetProperty("rawData").GetProperty("newFiles").GetInt32() > 0);
    }

    [Fact]
    public async Task The_plan_says_when_a_run_would_reach_the_budget_and_when_the_budget_is_spent()
    {
        await using var host = await TestHost.StartAsync(config =>
            config["Pipelines"]!["data-preparation"]!["Budget"] = new System.Text.Json.Nodes.JsonObject
            {
                ["DailyDpuHours"] = 1.0,
                ["Action"] = "SkipScheduled",
            });
        var first = await RunAsync(host);
        var used = first.Summary.Cost.DpuHours;
        Assert.InRange(used, 0.5, 0.99);

        var plan = await PlanAsync(host);

        var budget = plan.GetProperty("budget");
        var estimate = plan.GetProperty("estimatedCost").GetProperty("dpuSeconds").GetDouble() / 3600;
        Assert.Equal(used, budget.GetProperty("usedToday").GetProperty("dpuHours").GetDouble(), 6);
        Assert.Equal((false, true, true), (budget.GetProperty("exceeded").GetBoolean(), budget.GetProperty("wouldExceed").GetBoolean(),
            budget.GetProperty("allowsScheduled").GetBoolean()));
        Assert.EndsWith(FormattableString.Invariant($"this run's estimate ({estimate:0.###} DPU-hours) would reach the budget"),
            budget.GetProperty("reason").GetString(), StringComparison.Ordinal);

        await RunAsync(host);
        budget = (await PlanAsync(host)).GetProperty("budget");
        Assert.Equal((true, false, false), (budget.GetProperty("exceeded").GetBoolean(), budget.GetProperty("wouldExceed").GetBoolean(),
            budget.GetProperty("allowsScheduled").GetBoolean()));
        Assert.StartsWith("over budget: ", budget.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var (exit, output, errors) = await CliAsync("plan", "data-preparation", "--config", host.ConfigPath);
        Assert.True(exit == 0, errors);
        Assert.Contains("Budget: over budget: ", output, StringComparison.Ordinal);
        Assert.Matches(@"estimated cost ≈\$\d+\.\d{3} \(\d+\.\d+ DPU-hours\)", output);
    }

    [Fact]
    public async Task An_unknown_pipeline_or_entity_is_a_404_problem_naming_it()
    {
        await using var host = await TestHost.StartAsync(sampleRows: 0);

        await ApiContractTests.AssertProblemAsync(await host.Client.GetAsync("/api/pipelines/nightly/plan", Token),
            HttpStatusCode.NotFound, "There is no pipeline 'nightly'");
        await ApiContractTests.AssertProblemAsync(await host.Client.GetAsync("/api/pipelines/data-preparation/plan?entity=sales&entity=refunds", Token),
            HttpStatusCode.NotFound, "Unknown entities for pipeline 'data-preparation': refunds");
    }

    [Fact]
    public async Task The_plan_verb_prints_the_steps_and_the_JSON_of_the_API_and_refuses_unknown_names_with_exit_2()
    {
        await using var host = await TestHost.StartAsync(SkipWhenNoNewDataTests.SkipWhenNoNewData);
        await RunAsync(host);
        await SkipWhenNoNewDataTests.WriteNewRawFilesAsync(host, "sales");

        var (exit, output, errors) = await CliAsync("plan", "data-preparation", "--config", host.ConfigPath);
        Assert.True(exit == 0, errors);
        Assert.Contains("nothing is started", output, StringComparison.Ordinal);
        Assert.Matches(@"job/customer\s+Skip\s+\S+ \(of 1\)\s+≈\$\d+\.\d{3}\s+no new data: ", output);
        Assert.Contains("1 entities would run, 2 would skip; estimated run time ", output, StringComparison.Ordinal);
        Assert.Matches(@"job/sales\s+Run\s+\S+ \(of 1\)\s+≈\$\d+\.\d{3}\s+new raw data: ", output);

        (exit, output, errors) = await CliAsync("plan", "data-preparation", "--entity", "customer", "--json", "--config", host.ConfigPath);
        Assert.True(exit == 0, errors);
        var plan = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["raw-crawler", "job/customer", "clean-crawler"], Ids(plan));
        Assert.Equal("Skip", Step(plan, "job/customer").GetProperty("action").GetString());

        (exit, _, errors) = await CliAsync("plan", "nightly", "--config", host.ConfigPath);
        Assert.Equal(2, exit);
        Assert.Contains("There is no pipeline 'nightly'; configured: data-preparation.", errors, StringComparison.Ordinal);
        (exit, _, errors) = await CliAsync("plan", "data-preparation", "--entity", "refunds", "--config", host.ConfigPath);
        Assert.Equal(2, exit);
        Assert.Contains("Unknown entities for pipeline 'data-preparation': refunds.", errors, StringComparison.Ordinal);
    }

    static async Task<(int ExitCode, string Output, string Errors)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await CommandLine.InvokeAsync(args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    static async Task<JsonElement> PlanAsync(TestHost host, string query = "")
    {
        using var response = await host.Client.GetAsync($"/api/pipelines/data-preparation/plan{query}", Token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Token));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Token);
    }

    static List<string> Ids(JsonElement plan) =>
        plan.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();

    static JsonElement Step(JsonElement plan, string id) =>
        plan.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);

    static async Task<RunDetails> RunAsync(TestHost host) =>
        await PipelineRunTests.RunToEndAsync(host.Service<RunQueries>(),
            await host.Service<RunCommands>().StartAsync("data-preparation", new StartRunRequest(), Token));
}
