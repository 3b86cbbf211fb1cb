using System.Text.Json.Nodes;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Host.Cli;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Pipelines;

/// <summary>SkipWhenNoNewData as configured: per pipeline, overridden per entity, off by default and then not stored.</summary>
public sealed class SkipWhenNoNewDataSettingTests
{
    static PipelineOptions Options() => new()
    {
        Entities =
        {
            ["customer"] = new EntityOptions { Job = "prep", Arguments = { ["--target_entity_name"] = "customer" } },
            ["sales"] = new EntityOptions { Job = "prep", Arguments = { ["--target_entity_name"] = "sales" } },
        },
    };

    static PipelineDefinition Read(PipelineOptions options)
    {
        var result = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions> { ["p"] = options });
        Assert.Empty(result.Problems);
        return result.Definitions.Single();
    }

    [Fact]
    public void The_pipeline_setting_applies_to_every_entity_and_an_entity_setting_wins()
    {
        var options = Options();
        options.SkipWhenNoNewData = true;
        options.Entities["sales"].SkipWhenNoNewData = false;

        var pipeline = Read(options);

        Assert.True(pipeline.FindEntity("customer")!.SkipWhenNoNewData);
        Assert.False(pipeline.FindEntity("sales")!.SkipWhenNoNewData);

        var entityOnly = Options();
        entityOnly.Entities["sales"].SkipWhenNoNewData = true;
        Assert.Equal([false, true], Read(entityOnly).Entities.Select(e => e.SkipWhenNoNewData));
    }

    [Fact]
    public void Off_it_stays_out_of_the_stored_definition_so_existing_hashes_do_not_change()
    {
        var unset = Read(Options());
        var off = Options();
        off.SkipWhenNoNewData = false;
        off.Entities["customer"].SkipWhenNoNewData = false;
        var on = Options();
        on.Entities["customer"].SkipWhenNoNewData = true;

        Assert.DoesNotContain("SkipWhenNoNewData", Newtonsoft.Json.JsonConvert.SerializeObject(unset), StringComparison.Ordinal);
        Assert.Equal(unset.Hash, Read(off).Hash);
        Assert.NotEqual(unset.Hash, Read(on).Hash);
    }

    [Fact]
    public async Task A_value_that_is_not_true_or_false_and_bad_AWS_raw_data_settings_stop_start_up_each_named()
    {
        using var directory = new TempDirectory();
        var config = await TestHost.WriteConfigAsync(directory, orchestrator =>
        {
            var pipeline = orchestrator["Pipelines"]!["data-preparation"]!;
            pipeline["SkipWhenNoNewData"] = "sometimes";
            pipeline["Entities"]!["sales"]!["SkipWhenNoNewData"] = "when quiet";
            orchestrator["Glue"]!["Backend"] = "Aws";
            orchestrator["Glue"]!["Aws"] = new JsonObject { ["Region"] = "eu-west-1", ["RawDataSource"] = "Athena", ["RawDateKey"] = "ingest date", ["RawHourKey"] = "hour-of-day" };
        }, sampleRows: 0);
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = await CommandLine.InvokeAsync(["config", "check", "--config", config], output, errors);

        Assert.Equal(2, exit);
        var text = output.ToString() + errors;
        Assert.Contains("Orchestrator:Pipelines:data-preparation:SkipWhenNoNewData: 'sometimes' is not allowed; use true or false.", text, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Pipelines:data-preparation:Entities:sales:SkipWhenNoNewData: 'when quiet' is not allowed; use true or false.", text, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Glue:Aws:RawDataSource", text, StringComparison.Ordinal);
        Assert.Contains("Athena", text, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Glue:Aws:RawDateKey 'ingest date' is not a partition key name", text, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Glue:Aws:RawHourKey 'hour-of-day' is not a partition key name", text, StringComparison.Ordinal);
    }
}
