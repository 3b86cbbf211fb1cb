namespace Orchestrator.Tests.Deployment;

/// <summary>The walk that the deployment checks rely on: it accepts what the host binds and names what it does not.</summary>
public sealed class OptionsBindingTests
{
    [Theory]
    [InlineData("Orchestrator__Store__SqlServer__ConnectionString", "Server=db;Database=o", "String")]
    [InlineData("ORCHESTRATOR__STORE__PROVIDER", "SqlServer", "String")]
    [InlineData("Orchestrator__Api__Keys__0", "0123456789abcdef", "String")]
    [InlineData("Orchestrator__Worker__ShutdownGracePeriod", "00:00:30", "TimeSpan")]
    [InlineData("Orchestrator__Logging__Json", "true", "Boolean")]
    [InlineData("Orchestrator__Glue__Backend", "Aws", "String")]
    [InlineData("Orchestrator__Glue__Aws__MaxAttempts", "3", "Int32")]
    [InlineData("Orchestrator__Glue__Local__Jobs__my-job__DefaultArguments__--raw_db_name", "raw", "String")]
    [InlineData("Orchestrator__Pipelines__data-preparation__Entities__customer__Arguments__--partition_key", "created_date", "String")]
    [InlineData("Orchestrator__Pipelines__data-preparation__Retry__RetryOn__1", "FAILED", "String")]
    [InlineData("Orchestrator__Pipelines__data-preparation__JobTimeout", "30s", "Duration")]
    [InlineData("Orchestrator__Pipelines__data-preparation__MaxParallelJobs", "4", "Int32")]
    public void Names_the_host_reads_bind_to_a_property_of_their_type(string name, string value, string type)
    {
        var binding = OptionsBinding.Resolve(OptionsBinding.KeyOf(name), value);

        Assert.True(binding.Binds, binding.ToString());
        Assert.Equal(type, (Nullable.GetUnderlyingType(binding.Target!) ?? binding.Target!).Name);
    }

    [Theory]
    [InlineData("Orchestrator__Store__SqlServer__ConnectionStrin", "x", "has no property 'ConnectionStrin'")]
    [InlineData("Orchestrator__Glue__Aws__Regoin", "eu-west-1", "has no property 'Regoin'")]
    [InlineData("Orchestrator__Api__Keys__first", "0123456789abcdef", "'first' is not an index")]
    [InlineData("Orchestrator__Logging__Json__Pretty", "true", "it has no 'Pretty'")]
    [InlineData("Orchestrator__Store", "SqlServer", "is a section")]
    [InlineData("Orchestrator__Logging__Json", "yes", "'yes' is not a Boolean")]
    [InlineData("Orchestrator__Worker__ShutdownGracePeriod", "30s", "'30s' is not a TimeSpan")]
    [InlineData("Orchestrator__Stor__Provider", "Sqlite", "has no property 'Stor'")]
    [InlineData("Orchestrator__Pipelines__data-preparation__Poll__FirstDelay", "fast", "'fast' is not a Duration")]
    public void Names_the_host_ignores_or_cannot_convert_are_refused_with_the_reason(string name, string value, string reason)
    {
        var binding = OptionsBinding.Resolve(OptionsBinding.KeyOf(name), value);

        Assert.False(binding.Binds, $"{name} should not bind");
        Assert.Contains(reason, binding.Problem, StringComparison.Ordinal);
    }
}
