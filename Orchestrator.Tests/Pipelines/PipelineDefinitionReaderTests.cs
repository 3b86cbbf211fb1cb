using Orchestrator.Activities.Pipelines;

namespace Orchestrator.Tests.Pipelines;

/// <summary>Reading pipelines from configuration: defaults, overrides, and every problem reported at once.</summary>
public sealed class PipelineDefinitionReaderTests
{
    static PipelineOptions Valid() => new()
    {
        Schedule = "*/30 * * * *",
        Entities =
        {
            ["customer"] = new EntityOptions { Job = "prep", Arguments = { ["--target_entity_name"] = "customer" } },
            ["sales"] = new EntityOptions { Job = "prep", Arguments = { ["--target_entity_name"] = "sales" }, JobTimeout = Duration.Parse("45m"), Retry = new RetryOptions { MaxAttempts = 5 } },
        },
    };

    [Fact]
    public void Defaults_and_per_entity_overrides_are_applied()
    {
        var result = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Valid() });

        Assert.Empty(result.Problems);
        var pipeline = result.Definitions.Single();
        Assert.Equal(OverlapPolicy.Skip, pipeline.Overlap);
        Assert.Equal(8, pipeline.MaxParallelJobs);
        Assert.Equal(TimeSpan.FromMinutes(27), pipeline.RunDeadline);
        var customer = pipeline.FindEntity("customer")!;
        var sales = pipeline.FindEntity("SALES")!;
        Assert.Equal(TimeSpan.FromHours(2), customer.JobTimeout);
        Assert.Equal(3, customer.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(45), sales.JobTimeout);
        Assert.Equal(5, sales.Retry.MaxAttempts);
        Assert.Equal(customer.Retry.FirstDelay, sales.Retry.FirstDelay);
        Assert.Equal(RetryPolicy.DefaultMaxInterruptedAttempts, customer.Retry.MaxInterruptedAttempts);
        Assert.Equal(customer.Retry, pipeline.CrawlerRetryPolicy);
    }

    [Fact]
    public void PerEntity_lanes_give_each_entity_its_crawler_and_leave_the_hash_of_pipelines_without_lanes_alone()
    {
        var plain = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Valid() }).Definitions.Single();
        var lanes = Valid();
        lanes.CleanCrawl = CleanCrawlMode.PerEntity;
        lanes.VisibilitySla = Duration.Parse("40m");
        lanes.Entities["customer"].CleanCrawler = "customer-clean";
        lanes.Entities["sales"].CleanCrawler = " sales-clean ";

        var result = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = lanes });

        Assert.Empty(result.Problems);
        var pipeline = result.Definitions.Single();
        Assert.Equal((CleanCrawlMode.PerEntity, TimeSpan.FromMinutes(40)), (pipeline.CleanCrawl, pipeline.VisibilitySla));
        Assert.Equal(["customer-clean", "sales-clean"], pipeline.Entities.Select(e => e.CleanCrawler));
        Assert.NotEqual(plain.Hash, pipeline.Hash);

        // Settings left at their defaults are not stored, so an upgrade does not make every pipeline look changed.
        var stored = Newtonsoft.Json.JsonConvert.SerializeObject(plain);
        Assert.DoesNotContain("\"CleanCrawl\"", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("VisibilitySla", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retry_policy_stored_by_an_earlier_version_in_a_running_run_gets_the_default_interrupted_cap()
    {
        // A run keeps the definition it started with: one stored before MaxInterruptedAttempts existed has no such key.
        var stored = Newtonsoft.Json.JsonConvert.SerializeObject(RetryPolicy.Default with { MaxInterruptedAttempts = 5 });
        var earlier = stored.Replace(",\"MaxInterruptedAttempts\":5", string.Empty, StringComparison.Ordinal);

        var read = DurableTask.Core.Serializing.JsonDataConverter.Default.Deserialize<RetryPolicy>(earlier);

        Assert.NotEqual(stored, earlier);
        Assert.Equal(RetryPolicy.DefaultMaxInterruptedAttempts, read.MaxInterruptedAttempts);
        Assert.Equal(5, DurableTask.Core.Serializing.JsonDataConverter.Default.Deserialize<RetryPolicy>(stored).MaxInterruptedAttempts);
    }

    [Fact]
    public void Crawlers_retry_per_their_own_override_which_starts_from_the_pipelines_Retry()
    {
        var options = Valid();
        options.Retry = new RetryOptions { MaxAttempts = 4, FirstDelay = Duration.Parse("10s"), MaxInterruptedAttempts = 20 };
        options.CrawlerRetry = new RetryOptions { MaxAttempts = 2 };

        var pipeline = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = options }).Definitions.Single();

        Assert.Equal(4, pipeline.FindEntity("customer")!.Retry.MaxAttempts);
        Assert.Equal(20, pipeline.FindEntity("customer")!.Retry.MaxInterruptedAttempts);
        Assert.Equal((2, TimeSpan.FromSeconds(10), 20), (pipeline.CrawlerRetryPolicy.MaxAttempts, pipeline.CrawlerRetryPolicy.FirstDelay, pipeline.CrawlerRetryPolicy.MaxInterruptedAttempts));
    }

    [Fact]
    public void Every_problem_is_listed_with_its_key_and_what_is_allowed()
    {
        var broken = Valid();
        broken.Schedule = "61 * * * *";
        broken.TimeZone = "Mars/Olympus";
        broken.Overlap = (OverlapPolicy)7;
        broken.CleanCrawlerWhen = (CleanCrawlerCondition)9;
        broken.MaxParallelJobs = 0;
        broken.JobTimeout = Duration.Parse("-5m");
        broken.Poll = new PollOptions { FirstDelay = Duration.Parse("2m"), MaxDelay = Duration.Parse("1m") };
        broken.Retry = new RetryOptions { FirstDelay = Duration.Parse("400d"), BackoffCoefficient = 0.5, RetryOnMessages = ["(unclosed"] };
        broken.CrawlerRetry = new RetryOptions { MaxAttempts = 0, MaxInterruptedAttempts = -1 };
        broken.Entities["sales"].Job = null;
        broken.Entities["returns"] = new EntityOptions { Job = "prep", Arguments = { ["target_entity_name"] = "sales", ["--target_entity_name"] = "customer" } };

        var seconds = Valid();
        seconds.Schedule = "*/20 * * * * *";

        var problems = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = broken, ["bad name!"] = Valid(), ["empty"] = new(), ["seconds"] = seconds }).Problems;

        string[] expected =
        [
            "Orchestrator:Pipelines:p:Schedule: '61 * * * *' is not a cron expression",
            "Orchestrator:Pipelines:p:TimeZone: 'Mars/Olympus' is not a known time zone",
            "Orchestrator:Pipelines:p:Overlap: '7' is not allowed; use Skip, Queue, Allow.",
            "Orchestrator:Pipelines:p:CleanCrawlerWhen: '9' is not allowed; use AllSucceeded, AnySucceeded.",
            "Orchestrator:Pipelines:p:MaxParallelJobs: '0' is not allowed; use a whole number from 1 to 10000.",
            "Orchestrator:Pipelines:p:JobTimeout: -5m must be longer than zero.",
            "Orchestrator:Pipelines:p:Poll: FirstDelay (00:02:00) is longer than MaxDelay (00:01:00).",
            "Orchestrator:Pipelines:p:Retry:FirstDelay: '400d' is too long; use at most 365 days.",
            "Orchestrator:Pipelines:p:Retry:BackoffCoefficient: '0.5' is not allowed",
            "Orchestrator:Pipelines:p:Retry: '(unclosed' is not a regular expression",
            "Orchestrator:Pipelines:p:CrawlerRetry:MaxAttempts: '0' is not allowed; use a whole number from 1 to 100.",
            "Orchestrator:Pipelines:p:CrawlerRetry:MaxInterruptedAttempts: '-1' is not allowed; use a whole number from 0 to 1000.",
            "Orchestrator:Pipelines:p:Entities:sales:Job: every entity needs the name of the Glue job",
            "Orchestrator:Pipelines:p:Entities:returns:Arguments:target_entity_name: Glue job arguments must start with '--'.",
            "Orchestrator:Pipelines:p:Entities: customer and returns both write the clean table 'customer'",
            "Orchestrator:Pipelines:bad name!: the pipeline name 'bad name!' may only use letters, digits",
            "Orchestrator:Pipelines:empty:Entities: the pipeline has no entities",
            "Orchestrator:Pipelines:seconds:Schedule: '*/20 * * * * *' has a seconds field",
        ];
        foreach (var problem in expected)
        {
            Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void No_pipeline_at_all_is_a_problem()
    {
        var result = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions>());

        Assert.Equal(["Orchestrator:Pipelines: no pipeline is configured; add one (see docs/configuration.md)."], result.Problems);
    }

    [Fact]
    public void The_definition_hash_changes_with_the_configuration()
    {
        var first = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Valid() }).Definitions.Single();
        var same = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = Valid() }).Definitions.Single();
        var changed = Valid();
        changed.MaxParallelJobs = 4;
        var other = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = changed }).Definitions.Single();

        Assert.Equal(first.Hash, same.Hash);
        Assert.NotEqual(first.Hash, other.Hash);
    }

    [Theory]
    [InlineData(1, 0.0, 0)]
    [InlineData(1, 0.5, 15)]
    [InlineData(3, 0.999, 119.88)]
    [InlineData(10, 0.999, 599.4)]
    public void Retry_delays_grow_with_full_jitter_up_to_the_maximum(int attempt, double draw, double seconds)
    {
        var policy = RetryPolicy.Default with { MaxDelay = TimeSpan.FromMinutes(10) };

        Assert.Equal(seconds, policy.DelayAfter(attempt, draw).TotalSeconds, precision: 2);
    }

    [Theory]
    [InlineData(1, "FAILED", null, true)]
    [InlineData(3, "FAILED", null, false)]
    [InlineData(1, "EntityNotFoundException", null, false)]
    [InlineData(1, "STOPPED", null, false)]
    [InlineData(1, "ConcurrentRunsExceededException", null, true)]
    public void Default_retry_decisions(int attempt, string errorClass, string? message, bool retried) =>
        Assert.Equal(retried, RetryPolicy.Default.ShouldRetry(attempt, errorClass, message));

    [Fact]
    public void Message_patterns_decide_when_classes_do_not()
    {
        var policy = RetryPolicy.Default with { RetryOn = ["TIMEOUT"], RetryOnMessages = ["Rate exceeded"], NeverRetryOnMessages = ["OutOfMemory"] };

        Assert.True(policy.ShouldRetry(1, "FAILED", "Glue: Rate exceeded, try later"));
        Assert.False(policy.ShouldRetry(1, "FAILED", "script error"));
        Assert.False(policy.ShouldRetry(1, "TIMEOUT", "java.lang.OutOfMemoryError"));
    }
}
