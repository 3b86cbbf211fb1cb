using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Glue;
using Orchestrator.Glue.Faults;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Glue.Faults;

/// <summary>
/// <c>Orchestrator:Glue:Faults</c>: never active unless enabled, and every bad value a start-up problem naming its field.
/// </summary>
public sealed class GlueFaultOptionsTests
{
    [Fact]
    public void Probabilities_outside_0_to_1_NaN_and_unknown_keys_are_start_up_problems_naming_the_field()
    {
        var problems = ConfigurationProblems.Find(Configuration(new()
        {
            ["Orchestrator:Glue:Faults:Enabled"] = "true",
            ["Orchestrator:Glue:Faults:Throttling"] = "1.5",
            ["Orchestrator:Glue:Faults:ServerErrors"] = "NaN",
            ["Orchestrator:Glue:Faults:JobFailures"] = "-0.1",
            ["Orchestrator:Glue:Faults:SlowPollDelay"] = "-00:00:01",
            ["Orchestrator:Glue:Faults:Throtle"] = "0.1",
        }));

        Assert.Contains(problems, p => p.Contains("Orchestrator:Glue:Faults:Throttling is 1.5; give a probability from 0 to 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Orchestrator:Glue:Faults:ServerErrors is NaN; give a probability from 0 to 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Orchestrator:Glue:Faults:JobFailures is -0.1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Orchestrator:Glue:Faults:SlowPollDelay", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Throtle", StringComparison.Ordinal));
    }

    [Fact]
    public void Probabilities_are_checked_even_while_the_faults_are_off()
    {
        var problems = ConfigurationProblems.Find(Configuration(new() { ["Orchestrator:Glue:Faults:AmbiguousStarts"] = "2" }));

        Assert.Contains(problems, p => p.Contains("Orchestrator:Glue:Faults:AmbiguousStarts is 2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void The_decorator_is_active_only_when_enabled(string? enabled, bool decorated)
    {
        using var directory = new TempDirectory();
        var values = new Dictionary<string, string?> { ["Orchestrator:DataDirectory"] = directory.Path, ["Orchestrator:Glue:Faults:Throttling"] = "0.5" };
        if (enabled is not null)
        {
            values["Orchestrator:Glue:Faults:Enabled"] = enabled;
        }

        var services = new ServiceCollection().AddLogging().AddOrchestrator(Configuration(values));
        using var provider = services.BuildServiceProvider();

        var glue = provider.GetRequiredService<IGlueBackend>();

        Assert.Equal(decorated, glue is FaultInjectingGlueBackend);
        Assert.Equal("Local", glue.Kind);
    }

    static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddJsonFile(RepositoryRoot.File("appsettings.json")).AddInMemoryCollection(values).Build();
}
