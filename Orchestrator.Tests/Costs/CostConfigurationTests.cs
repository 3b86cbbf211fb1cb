using Microsoft.Extensions.Configuration;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Costs;

/// <summary>Bad prices and budgets stop start-up with every problem named by its key, as the configuration check shows them.</summary>
public sealed class CostConfigurationTests
{
    [Fact]
    public void Negative_or_NaN_prices_and_crawler_DPUs_are_start_up_problems_naming_the_field()
    {
        var problems = ConfigurationProblems.Find(Configuration(new()
        {
            ["Orchestrator:Costs:StandardDpuHourPrice"] = "-0.44",
            ["Orchestrator:Costs:FlexDpuHourPrice"] = "NaN",
            ["Orchestrator:Costs:CrawlerDpu"] = "0",
        }));

        Assert.Contains("Orchestrator:Costs:StandardDpuHourPrice: '-0.44' is not allowed; use a number from 0 to 1000.", problems);
        Assert.Contains("Orchestrator:Costs:FlexDpuHourPrice: 'NaN' is not allowed; use a number from 0 to 1000.", problems);
        Assert.Contains(problems, p => p.StartsWith("Orchestrator:Costs:CrawlerDpu: '0' is not allowed", StringComparison.Ordinal));
    }

    [Fact]
    public void Negative_NaN_or_missing_budgets_and_unknown_actions_are_start_up_problems_naming_the_field()
    {
        var problems = ConfigurationProblems.Find(Configuration(new()
        {
            ["Orchestrator:Pipelines:data-preparation:Budget:DailyDpuHours"] = "-1",
            ["Orchestrator:Pipelines:data-preparation:Budget:Action"] = "Panic",
        }));
        var nan = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Pipeline(new BudgetOptions { DailyDpuHours = double.NaN }) });
        var missing = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Pipeline(new BudgetOptions { Action = BudgetAction.SkipScheduled }) });

        Assert.Contains("Orchestrator:Pipelines:data-preparation:Budget:DailyDpuHours: '-1' is not allowed; use a number from 0.01 to 1000000.", problems);
        Assert.Contains(problems, p => p.StartsWith("Orchestrator:Pipelines:data-preparation:Budget:Action", StringComparison.Ordinal) && p.Contains("Alert, SkipScheduled", StringComparison.Ordinal));
        Assert.Equal(["Orchestrator:Pipelines:p:Budget:DailyDpuHours: 'NaN' is not allowed; use a number from 0.01 to 1000000."], nan.Problems);
        Assert.Equal(["Orchestrator:Pipelines:p:Budget:DailyDpuHours: a budget needs the DPU-hours the pipeline may use per day, e.g. 10."], missing.Problems);
    }

    [Fact]
    public void A_budget_is_read_and_a_pipeline_without_one_keeps_its_definition_hash()
    {
        var without = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Pipeline(null) }).Definitions.Single();
        var with = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Pipeline(new BudgetOptions { DailyDpuHours = 2.5 }) }).Definitions.Single();

        Assert.Equal(new PipelineBudget(2.5, BudgetAction.Alert), with.Budget);
        Assert.DoesNotContain("Budget", Newtonsoft.Json.JsonConvert.SerializeObject(without), StringComparison.Ordinal);
        Assert.Equal(without.Hash, (with with { Budget = null }).Hash);
        Assert.NotEqual(without.Hash, with.Hash);
    }

    [Fact]
    public void A_local_job_size_that_Glue_does_not_offer_is_a_start_up_problem()
    {
        var problems = ConfigurationProblems.Find(Configuration(new()
        {
            ["Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:WorkerType"] = "G.3X",
            ["Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:NumberOfWorkers"] = "0",
            ["Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:ExecutionClass"] = "CHEAP",
        }));

        Assert.Contains(problems, p => p.StartsWith("Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:WorkerType 'G.3X' is not a Glue worker type", StringComparison.Ordinal));
        Assert.Contains("Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:NumberOfWorkers is 0; use a whole number from 1 to 10000.", problems);
        Assert.Contains("Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:ExecutionClass 'CHEAP' is not allowed; use STANDARD or FLEX.", problems);
    }

    static PipelineOptions Pipeline(BudgetOptions? budget) => new()
    {
        Schedule = "*/30 * * * *",
        Budget = budget,
        Entities = { ["customer"] = new EntityOptions { Job = "prep", Arguments = { ["--target_entity_name"] = "customer" } } },
    };

    static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddJsonFile(RepositoryRoot.File("appsettings.json")).AddInMemoryCollection(values).Build();
}
