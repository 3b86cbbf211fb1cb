using System.Text.Json.Nodes;
using Orchestrator.Host.Hosting;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// deploy/docker-compose.yml without a Docker engine: it parses, starts the orchestrator after a healthy SQL
/// Server, takes its secrets from deploy/.env (whose committed example defines every variable), and sets only
/// variables the host reads.
/// </summary>
public sealed class ComposeFileTests
{
    /// <summary>OrchestratorWebApp stops the host within ShutdownGracePeriod plus this.</summary>
    internal static readonly TimeSpan HostStopMargin = TimeSpan.FromSeconds(5);

    internal static ComposeFile Compose => ComposeFile.Load(RepositoryRoot.File("deploy/docker-compose.yml"));

    internal static IReadOnlyDictionary<string, string> ExampleVariables => ComposeFile.ReadEnvFile(RepositoryRoot.File("deploy/.env.example"));

    [Fact]
    public void Sql_server_2022_is_health_checked_with_sqlcmd_before_the_orchestrator_starts()
    {
        var compose = Compose;
        var sql = compose.Service("sqlserver");
        var orchestrator = compose.Service("orchestrator");

        Assert.Equal("mcr.microsoft.com/mssql/server:2022-latest", sql["image"]!.GetValue<string>());
        var test = sql["healthcheck"]!["test"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal("CMD-SHELL", test[0]);
        Assert.Contains("/opt/mssql-tools18/bin/sqlcmd", test[1], StringComparison.Ordinal);
        Assert.Contains("$$MSSQL_SA_PASSWORD", test[1], StringComparison.Ordinal);
        Assert.Equal("service_healthy", orchestrator["depends_on"]!["sqlserver"]!["condition"]!.GetValue<string>());
        Assert.Equal("..", orchestrator["build"]!["context"]!.GetValue<string>());
        Assert.True(File.Exists(RepositoryRoot.File(orchestrator["build"]!["dockerfile"]!.GetValue<string>())));
    }

    [Fact]
    public void The_orchestrator_uses_sql_server_and_aws_glue_with_standard_aws_variables()
    {
        var environment = Compose.Environment("orchestrator", ExampleVariables);

        Assert.Equal("SqlServer", environment["Orchestrator__Store__Provider"]);
        Assert.Contains("Server=sqlserver,1433;", environment["Orchestrator__Store__SqlServer__ConnectionString"], StringComparison.Ordinal);
        Assert.Contains($"Password={ExampleVariables["MSSQL_SA_PASSWORD"]};", environment["Orchestrator__Store__SqlServer__ConnectionString"], StringComparison.Ordinal);
        Assert.Equal("Aws", environment["Orchestrator__Glue__Backend"]);
        Assert.Equal(ExampleVariables["ORCHESTRATOR_API_KEY"], environment["Orchestrator__Api__Keys__0"]);
        Assert.Subset(environment.Keys.ToHashSet(), new HashSet<string> { "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" });
    }

    [Fact]
    public void Every_orchestrator_variable_binds_to_the_options_with_a_value_of_the_right_type()
    {
        var environment = Compose.Environment("orchestrator", ExampleVariables);

        Assert.Contains(environment, variable => OptionsBinding.IsConfigurationName(variable.Key));
        var problems = OptionsBinding.EnvironmentProblems(environment.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)));
        Assert.True(problems.Count == 0, "deploy/docker-compose.yml sets variables the host does not read:\n" + string.Join('\n', problems));
    }

    [Fact]
    public async Task Secrets_come_from_the_env_file_which_is_ignored_while_its_example_defines_every_variable()
    {
        var compose = Compose;
        var secrets = compose.Environment("orchestrator", ExampleVariables);
        var raw = compose.Service("orchestrator")["environment"]!.AsObject();

        Assert.Equal(compose.Variables().Order(StringComparer.Ordinal), compose.Variables().Intersect(ExampleVariables.Keys).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "Orchestrator__Api__Keys__0", "Orchestrator__Store__SqlServer__ConnectionString", "AWS_SECRET_ACCESS_KEY" })
        {
            Assert.Contains("${", raw[name]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.NotEqual(raw[name]!.GetValue<string>(), secrets[name]);
        }

        Assert.Contains("${MSSQL_SA_PASSWORD:?", compose.Service("sqlserver")["environment"]!["MSSQL_SA_PASSWORD"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("/deploy/.env", File.ReadAllLines(RepositoryRoot.File(".gitignore")));
        if (CommandLineTool.Find("git") is { } git)
        {
            var tracked = await git.RunAsync(["ls-files", "deploy/.env"], RepositoryRoot.Path);
            Assert.True(tracked.ExitCode == 0 && tracked.Output.Trim().Length == 0, $"deploy/.env is committed: {tracked.Output}");
        }
    }

    [Fact]
    public void Docker_stop_waits_longer_than_the_worker_drains()
    {
        var orchestrator = Compose.Service("orchestrator");
        var environment = Compose.Environment("orchestrator", ExampleVariables);
        var grace = environment.TryGetValue("Orchestrator__Worker__ShutdownGracePeriod", out var set)
            ? TimeSpan.Parse(set, System.Globalization.CultureInfo.InvariantCulture)
            : ShippedShutdownGracePeriod();

        var stop = ComposeFile.Duration(orchestrator["stop_grace_period"]!.GetValue<string>());

        Assert.True(stop > grace + HostStopMargin, $"stop_grace_period {stop} must exceed the drain {grace} + {HostStopMargin}");
    }

    /// <summary>Orchestrator:Worker:ShutdownGracePeriod in the appsettings.json the image ships.</summary>
    internal static TimeSpan ShippedShutdownGracePeriod()
    {
        var shipped = JsonNode.Parse(File.ReadAllText(RepositoryRoot.File("appsettings.json")))![OrchestratorOptions.Section]?["Worker"]?["ShutdownGracePeriod"];
        return shipped is null ? new WorkerOptions().ShutdownGracePeriod : TimeSpan.Parse(shipped.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
