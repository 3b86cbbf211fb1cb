using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orchestrator.Tests.Hosting;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// deploy/docker-compose.yml handed to podman-compose (Debian's 1.0): the whole file read and turned into podman
/// commands, then the orchestrator service brought up for real with its volume, health check and environment. SQL
/// Server's image cannot be pulled here and podman-compose 1.0 knows no profiles, so the bring-up uses a copy of the
/// file without that service, on SQLite and the local Glue engine; everything else is the file's own.
/// </summary>
[Collection(LocalImage.Collection)]
public sealed partial class ComposeStackTests(LocalImage image)
{
    const string ComposeFileName = "docker-compose.yml";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Podman_compose_reads_the_whole_file_and_would_start_sql_server_and_then_the_orchestrator_as_written()
    {
        var compose = Require();
        var file = ComposeFileTests.Compose;
        var variables = ComposeFileTests.ExampleVariables;
        using var checkout = new TempDirectory();
        var deploy = Directory.CreateDirectory(checkout.File("deploy")).FullName;
        File.Copy(file.Path, Path.Combine(deploy, ComposeFileName));
        File.Copy(RepositoryRoot.File("Dockerfile"), checkout.File("Dockerfile"));
        var project = ProjectName();

        try
        {
            await WriteEnvFileAsync(Path.Combine(deploy, ".env"), variables.Where(v => v.Key != "ORCHESTRATOR_API_KEY"));
            var refused = await compose.RunAsync(["--dry-run", "--project-name", project, "--file", ComposeFileName, "up", "--detach"], deploy);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("set ORCHESTRATOR_API_KEY in deploy/.env", refused.Output, StringComparison.Ordinal);

            await WriteEnvFileAsync(Path.Combine(deploy, ".env"), variables);
            var dryRun = await compose.RunAsync(["--dry-run", "--project-name", project, "--file", ComposeFileName, "up", "--detach"], deploy);
            Assert.True(dryRun.ExitCode == 0, dryRun.Output);
            var runs = dryRun.StandardOutput.Split('\n').Where(line => line.StartsWith("podman run ", StringComparison.Ordinal)).ToList();

            // Every ${…} is filled in from the env file, services start in dependency order, and each keeps its settings.
            var unfilled = runs.SelectMany(run => Unfilled().Matches(run)).Select(match => match.Value).ToList();
            Assert.True(unfilled.Count == 0, "podman-compose would pass these through unfilled: " + string.Join(", ", unfilled));
            var sql = Assert.Single(runs, run => run.Contains($"--name={project}_sqlserver_1 ", StringComparison.Ordinal));
            var orchestrator = Assert.Single(runs, run => run.Contains($"--name={project}_orchestrator_1 ", StringComparison.Ordinal));
            Assert.True(runs.IndexOf(sql) < runs.IndexOf(orchestrator), "the orchestrator would start before SQL Server");
            AssertRunsAsWritten(file, "sqlserver", sql, project, variables);
            AssertRunsAsWritten(file, "orchestrator", orchestrator, project, variables);
            var healthcheck = file.Service("sqlserver")["healthcheck"]!.AsObject();
            Assert.All(new[] { "interval", "timeout", "start_period", "retries" },
                option => Assert.Contains($"--healthcheck-{option.Replace('_', '-')} {healthcheck[option]}", sql, StringComparison.Ordinal));
            Assert.Contains("--healthcheck-command /bin/sh -c '/opt/mssql-tools18/bin/sqlcmd", sql, StringComparison.Ordinal);
        }
        finally
        {
            // podman-compose 1.0 creates volumes and the network even in a dry run.
            await RemoveProjectAsync(project, []);
        }
    }

    [Fact]
    public async Task The_orchestrator_service_comes_up_healthy_with_its_volume_and_environment_and_goes_down_within_its_grace_period()
    {
        var compose = Require();
        var file = ComposeFileTests.Compose;
        var root = file.Root.DeepClone().AsObject();
        root["services"]!.AsObject().Remove("sqlserver");
        root["volumes"]!.AsObject().Remove("mssql-data");
        var service = root["services"]!["orchestrator"]!.AsObject();
        service.Remove("depends_on");
        service["build"]!["context"] = RepositoryRoot.Path;
        var tag = $"{LocalImage.Tag}-compose-{Guid.NewGuid():N}";
        service["image"] = tag;
        var port = TestHost.FreePort();
        service["ports"] = new JsonArray($"127.0.0.1:{port}:8080");
        var environment = service["environment"]!.AsObject();
        environment["Orchestrator__Store__Provider"] = "Sqlite";
        environment.Remove("Orchestrator__Store__SqlServer__ConnectionString");
        environment["Orchestrator__Glue__Backend"] = "Local";
        using var folder = new TempDirectory();
        await File.WriteAllTextAsync(folder.File(ComposeFileName), root.ToJsonString(), Token); // JSON is YAML
        var variables = new Dictionary<string, string>(ComposeFileTests.ExampleVariables) { ["ORCHESTRATOR_API_KEY"] = ImageContainer.ApiKey };
        await WriteEnvFileAsync(folder.File(".env"), variables);
        var project = ProjectName();
        await using var container = ImageContainer.Attach(image.Podman, $"{project}_orchestrator_1", port);

        try
        {
            // podman-compose builds the image as the file says (the layers come from the suite's build).
            var up = await compose.RunAsync(
                ["--podman-build-args", string.Join(' ', LocalImage.BuildOptions().Skip(1)), "--project-name", project, "--file", ComposeFileName, "up", "--detach"],
                folder.Path, timeout: TimeSpan.FromMinutes(15));
            Assert.True(up.ExitCode == 0 && await image.Podman.RunAsync(["container", "exists", container.Name]) is { ExitCode: 0 }, up.Output);
            await container.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(90));

            Assert.Equal(HttpStatusCode.OK, (await container.Client.GetAsync(new Uri("/readyz", UriKind.Relative), Token)).StatusCode);
            var healthcheck = await image.Podman.RunAsync(["healthcheck", "run", container.Name]);
            Assert.True(healthcheck.ExitCode == 0, $"podman healthcheck run {container.Name}: {healthcheck.Output}");
            Assert.Equal($"{project}_orchestrator-data:/data", await container.InspectAsync("{{range .Mounts}}{{.Name}}:{{.Destination}}{{end}}"));
            Assert.Equal(service["restart"]!.GetValue<string>(), await container.InspectAsync("{{.HostConfig.RestartPolicy.Name}}"));
            var set = (await container.InspectAsync("{{range .Config.Env}}{{println .}}{{end}}")).Split('\n');
            Assert.All(file.Environment("orchestrator", variables).Where(v => environment.ContainsKey(v.Key) && environment[v.Key]!.ToString().Contains("${", StringComparison.Ordinal)),
                variable => Assert.Contains($"{variable.Key}={variable.Value}", set));
            var pause = new Uri("/api/pipelines/data-preparation/schedule/pause", UriKind.Relative);
            using var anonymous = new HttpClient { BaseAddress = container.Client.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(pause, new { }, Token)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await container.Client.PostAsJsonAsync(pause, new { }, Token)).StatusCode);

            // podman-compose 1.0 does not read stop_grace_period: `down` is given it, as docker compose would use it.
            var grace = ComposeFile.Duration(service["stop_grace_period"]!.GetValue<string>());
            var stopwatch = Stopwatch.StartNew();
            var down = await compose.RunAsync(["--project-name", project, "--file", ComposeFileName, "down", "--volumes", "--timeout", $"{grace.TotalSeconds}"], folder.Path, timeout: grace + TimeSpan.FromMinutes(1));
            var took = stopwatch.Elapsed;
            Assert.True(down.ExitCode == 0, down.Output);
            Assert.True(took < grace, $"podman-compose down took {took}");
            Assert.NotEqual(0, (await image.Podman.RunAsync(["container", "exists", container.Name])).ExitCode);
            Assert.NotEqual(0, (await image.Podman.RunAsync(["volume", "exists", $"{project}_orchestrator-data"])).ExitCode);
            LocalImage.Report($"compose: podman-compose up -d (image from the layer cache) answered, passed its HEALTHCHECK and went down in {took.TotalSeconds:F1} s");
        }
        finally
        {
            await RemoveProjectAsync(project, [container.Name]);
            await image.Podman.RunAsync(["image", "rm", tag], outlivesTest: true);
        }
    }

    /// <summary>Skips where podman-compose is absent; the dry run asks podman about images, volumes and networks too.</summary>
    CommandLineTool Require()
    {
        image.Require();
        var compose = CommandLineTool.Find("podman-compose");
        if (compose is null)
        {
            Assert.Skip("podman-compose is not on PATH, so deploy/docker-compose.yml was not brought up (Debian: apt-get install podman-compose; .ci/run installs it).");
        }

        return compose!;
    }

    /// <summary>
    /// A service's <c>podman run</c> carries the file's variables (filled in), ports, named volumes (prefixed by the
    /// project), restart policy and image.
    /// </summary>
    static void AssertRunsAsWritten(ComposeFile file, string name, string run, string project, IReadOnlyDictionary<string, string> variables)
    {
        var service = file.Service(name);
        Assert.All(file.Environment(name, variables), variable => Assert.Contains($" -e {variable.Key}={variable.Value} ", run, StringComparison.Ordinal));
        Assert.All(service["ports"]?.AsArray() ?? [], publish => Assert.Contains($" -p {publish} ", run, StringComparison.Ordinal));
        Assert.All(service["volumes"]!.AsArray(), volume => Assert.Contains($" -v {project}_{volume} ", run, StringComparison.Ordinal));
        Assert.Contains($" --restart {service["restart"]} ", run, StringComparison.Ordinal);
        Assert.EndsWith($" {service["image"]}", run, StringComparison.Ordinal);
    }

    /// <summary>What podman-compose makes for a project and may leave behind: containers, its volumes and its network.</summary>
    async Task RemoveProjectAsync(string project, IReadOnlyList<string> containers)
    {
        var volumes = await image.Podman.RunAsync(["volume", "list", "--quiet", "--filter", $"label=io.podman.compose.project={project}"], outlivesTest: true);
        await image.Podman.RemoveAsync(containers, volumes.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await image.Podman.RunAsync(["network", "rm", "--force", $"{project}_default"], outlivesTest: true);
    }

    static string ProjectName() => $"orchestrator-test-{Guid.NewGuid():N}"[..30];

    [GeneratedRegex(@"[^ ]*\$\{[^}]*\}")]
    private static partial Regex Unfilled();

    static Task WriteEnvFileAsync(string path, IEnumerable<KeyValuePair<string, string>> variables) =>
        File.WriteAllLinesAsync(path, variables.Select(v => $"{v.Key}={v.Value}"), Token);
}
