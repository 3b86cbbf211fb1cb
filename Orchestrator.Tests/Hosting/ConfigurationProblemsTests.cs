using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// The configuration check finds the options to check in the registrations (every <c>ValidateOnStart</c>), not in a
/// list of its own: registering a new validated options type is all it takes for its problems to be reported.
/// </summary>
public sealed class ConfigurationProblemsTests
{
    [Fact]
    public void A_newly_registered_validated_options_type_is_checked_without_editing_the_check()
    {
        var configuration = Configuration(new() { ["Feed:Name"] = "", ["Feed:Pages"] = "0" });

        var problems = ConfigurationProblems.Find(configuration, Register);

        Assert.Contains("Feed:Name: empty; give the feed a name.", problems);
        Assert.Contains("Feed:Pages: 0 is not allowed; use 1 to 10.", problems);
    }

    [Fact]
    public void A_value_the_binder_cannot_convert_in_the_new_type_is_a_specific_problem_and_hides_no_other()
    {
        var configuration = Configuration(new() { ["Feed:Name"] = "", ["Feed:Pages"] = "many", ["Feed:Enabled"] = "perhaps" });

        var problems = ConfigurationProblems.Find(configuration, Register);

        Assert.Contains("Feed:Pages: 'many' is not allowed; use a whole number.", problems);
        Assert.Contains("Feed:Enabled: 'perhaps' is not allowed; use true or false.", problems);
        Assert.Contains("Feed:Name: empty; give the feed a name.", problems);
    }

    [Fact]
    public void The_same_options_without_ValidateOnStart_are_not_checked()
    {
        var configuration = Configuration(new() { ["Feed:Name"] = "" });

        var problems = ConfigurationProblems.Find(configuration, (services, effective) =>
        {
            services.AddOrchestrator(effective);
            services.AddOptions<FeedOptions>().Bind(effective.GetSection("Feed"));
            services.AddSingleton<IValidateOptions<FeedOptions>, FeedOptionsValidator>();
        });

        Assert.Empty(problems);
    }

    [Fact]
    public void A_job_the_local_engine_does_not_declare_is_listed_beside_the_pipelines_and_the_local_engines_own_problems()
    {
        var configuration = Configuration(new()
        {
            ["Orchestrator:Pipelines:data-preparation:Entities:sales:Job"] = "sales-job",
            ["Orchestrator:Pipelines:data-preparation:Schedule"] = "every half hour",
            ["Orchestrator:Glue:Local:Threads"] = "-1",
        });

        var problems = ConfigurationProblems.Find(configuration);

        Assert.Equal(3, problems.Count);
        Assert.Contains("Orchestrator:Pipelines:data-preparation:Entities:sales:Job: 'sales-job' is not a job of the local engine; declare it under Orchestrator:Glue:Local:Jobs (declared: mystore-data-preparation-parquet).", problems);
        Assert.Contains(problems, p => p.StartsWith("Orchestrator:Pipelines:data-preparation:Schedule: 'every half hour' is not a cron expression", StringComparison.Ordinal));
        Assert.Contains("Orchestrator:Glue:Local:Threads is -1; use 0 (every core) or a positive number.", problems);
    }

    [Fact]
    public void With_a_backend_name_that_is_neither_local_nor_aws_that_name_is_the_only_problem()
    {
        var configuration = Configuration(new()
        {
            ["Orchestrator:Glue:Backend"] = "Azure",
            ["Orchestrator:Pipelines:data-preparation:Entities:sales:Job"] = "sales-job",
        });

        var problems = ConfigurationProblems.Find(configuration);

        Assert.Equal(["Orchestrator:Glue:Backend: 'Azure' is not a Glue backend; use Local or Aws."], problems);
    }

    static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOrchestrator(configuration);
        services.AddOptions<FeedOptions>().Bind(configuration.GetSection("Feed")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FeedOptions>, FeedOptionsValidator>();
    }

    /// <summary>The shipped file (valid) plus <paramref name="values"/>.</summary>
    static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder()
            .AddJsonFile(RepositoryRoot.File("appsettings.json"))
            .AddInMemoryCollection(values)
            .Build();

    public sealed class FeedOptions
    {
        public string Name { get; set; } = "feed";

        public int Pages { get; set; } = 1;

        public bool Enabled { get; set; }
    }

    sealed class FeedOptionsValidator : IValidateOptions<FeedOptions>
    {
        public ValidateOptionsResult Validate(string? name, FeedOptions options)
        {
            var problems = new List<string>();
            if (string.IsNullOrWhiteSpace(options.Name))
            {
                problems.Add("Feed:Name: empty; give the feed a name.");
            }

            if (options.Pages is < 1 or > 10)
            {
                problems.Add($"Feed:Pages: {options.Pages} is not allowed; use 1 to 10.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
