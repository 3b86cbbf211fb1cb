using Microsoft.Extensions.Options;
using Orchestrator.Activities.Costs;
using Orchestrator.Activities.Runs;
using Orchestrator.Glue;

namespace Orchestrator.Tests.Costs;

/// <summary>
/// The cost arithmetic against AWS's documented pricing (AWS Glue pricing page and worker types page, read
/// 2026-12-01): $0.44 per DPU-hour, $0.29 for Flex, billed per second with a one-minute minimum for Glue 2.0+ job runs
/// and a ten-minute minimum for Glue 0.9/1.0 job runs and for crawls.
/// </summary>
public sealed class GlueCostArithmeticTests
{
    readonly GlueCostCalculator calculator = new(Options.Create(new CostOptions()));

    [Fact]
    public void AWS_pricing_example_a_Spark_job_of_15_minutes_on_6_DPUs_costs_66_cents()
    {
        var cost = calculator.ForJobRun(15 * 60, null, new JobRunCapacity(MaxCapacity: 6, GlueVersion: "4.0"))!;

        Assert.Equal(6 * 900, cost.DpuSeconds);
        Assert.Equal(0.66, cost.Cost, 6);
        Assert.Equal(AttemptCost.Capacity, cost.Basis);
        Assert.False(cost.Estimated);
    }

    [Theory]
    [InlineData("G.1X", 10, 1800, 18_000)]
    [InlineData("G.2X", 10, 1800, 36_000)]
    [InlineData("G.4X", 2, 600, 4_800)]
    [InlineData("G.8X", 2, 600, 9_600)]
    [InlineData("G.025X", 2, 600, 300)]
    [InlineData("Z.2X", 3, 100, 600)]
    public void Workers_times_the_worker_types_DPUs_times_the_execution_time(string workerType, int workers, int seconds, double dpuSeconds)
    {
        var cost = calculator.ForJobRun(seconds, null, new JobRunCapacity(WorkerType: workerType, NumberOfWorkers: workers, GlueVersion: "4.0"))!;

        Assert.Equal(dpuSeconds, cost.DpuSeconds);
        Assert.Equal(dpuSeconds / 3600 * 0.44, cost.Cost, 9);
    }

    [Fact]
    public void A_run_shorter_than_a_minute_is_billed_a_minute_and_a_Glue_1_run_ten_minutes()
    {
        var short2 = calculator.ForJobRun(20, null, new JobRunCapacity(WorkerType: "G.1X", NumberOfWorkers: 2, GlueVersion: "4.0"))!;
        var short1 = calculator.ForJobRun(5 * 60, null, new JobRunCapacity(MaxCapacity: 10, GlueVersion: "1.0"))!;

        Assert.Equal(120, short2.DpuSeconds);
        Assert.Equal(6_000, short1.DpuSeconds);
        Assert.Equal(1.0 / 3600 * 6_000 * 0.44, short1.Cost, 9);
    }

    [Fact]
    public void Flex_runs_take_Glues_reported_DPUSeconds_at_the_Flex_price()
    {
        // Glue reports DPUSeconds for Flex and auto-scaling runs: what the executors used, not workers × time.
        var cost = calculator.ForJobRun(1200, 3600, new JobRunCapacity(WorkerType: "G.1X", NumberOfWorkers: 10, ExecutionClass: "FLEX", GlueVersion: "4.0"))!;

        Assert.Equal(3600, cost.DpuSeconds);
        Assert.Equal(0.29, cost.Cost, 9);
        Assert.True(cost.Flex);
        Assert.Equal(AttemptCost.Reported, cost.Basis);
    }

    [Fact]
    public void A_crawl_is_billed_ten_minutes_at_least_on_the_configured_DPUs()
    {
        var shortCrawl = calculator.ForCrawl(TimeSpan.FromSeconds(20));
        var longCrawl = calculator.ForCrawl(TimeSpan.FromMinutes(30));

        Assert.Equal(600 * 2, shortCrawl.DpuSeconds);
        Assert.Equal(2 * (10.0 / 60) * 0.44, shortCrawl.Cost, 9);
        Assert.Equal(1800 * 2, longCrawl.DpuSeconds);
        Assert.Equal(0.44, longCrawl.Cost, 9);
        Assert.True(longCrawl.Estimated);
    }

    [Fact]
    public void Configured_prices_apply_and_a_run_without_capacity_has_no_cost()
    {
        var custom = new GlueCostCalculator(Options.Create(new CostOptions { StandardDpuHourPrice = 0.5, FlexDpuHourPrice = 0.3, CrawlerDpu = 4, CrawlerDpuHourPrice = 1 }));

        Assert.Equal(0.5, custom.ForJobRun(3600, null, new JobRunCapacity(MaxCapacity: 1))!.Cost, 9);
        Assert.Equal(4 * (10.0 / 60), custom.ForCrawl(TimeSpan.FromMinutes(1)).Cost, 9);
        Assert.Null(custom.ForJobRun(3600, null, new JobRunCapacity()));
        Assert.Null(custom.ForJobRun(3600, null, null));
    }

    [Fact]
    public void A_step_adds_up_the_attempts_that_reached_Glue_and_a_step_a_redrive_reused_costs_it_nothing()
    {
        var now = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
        AttemptRecord[] attempts =
        [
            new(1, null, AttemptStates.StartFailed, now, now, "ThrottlingException", "slow down"),
            new(2, "jr_2", "FAILED", now, now.AddMinutes(2), "FAILED", "boom", Cost: new AttemptCost(240, 240 / 3600.0 * 0.44, AttemptCost.Capacity)),
            new(3, "jr_3", "SUCCEEDED", now, now.AddMinutes(1), null, null, Cost: new AttemptCost(120, 120 / 3600.0 * 0.44, AttemptCost.Capacity)),
        ];
        var step = new StepOutcome("job/sales", StepKind.EntityJob, "sales", "prep", StepState.Succeeded, now, now.AddMinutes(3), null, null, attempts);

        Assert.Equal(360, step.Cost.DpuSeconds);
        Assert.Equal(0, step.Cost.Unknown);
        Assert.Equal(CostTotal.Zero, (step with { State = StepState.Reused }).Cost);
        Assert.Equal(360, StepSummary.Of(step).Cost!.DpuSeconds);
    }

    [Fact]
    public void Totals_add_attempts_and_count_the_ones_without_a_cost()
    {
        var total = CostTotal.Of([new AttemptCost(3600, 0.44, AttemptCost.Capacity), null, new AttemptCost(1800, 0.22, AttemptCost.Crawl, Estimated: true)]);

        Assert.Equal(1.5, total.DpuHours, 9);
        Assert.Equal(0.66, total.Cost, 9);
        Assert.True(total.Estimated);
        Assert.Equal(1, total.Unknown);
    }
}
