using System.Text.RegularExpressions;
using System.Xml.Linq;
using Orchestrator.Host.Api;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The Dockerfile without a Docker engine: its stages and images, the user and port it runs with, that every
/// variable it sets is one the host reads, and that its build context holds everything its COPY lines name.
/// </summary>
public sealed class ContainerImageTests
{
    static Dockerfile Dockerfile => PublishedHost.Dockerfile;

    [Fact]
    public void It_builds_with_the_sdk_and_runs_on_the_aspnet_runtime_image()
    {
        Assert.Equal(2, Dockerfile.Stages.Count);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Dockerfile.Stages[0].Image);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Dockerfile.Final.Image);
        var publish = PublishedHost.PublishArguments();
        Assert.Equal(["publish", "Orchestrator.Host"], publish.Take(2));
        Assert.Equal("Release", After(publish, "-c"));
        Assert.Equal("linux-x64", After(publish, "-r"));
        Assert.Equal("false", After(publish, "--self-contained"));
        Assert.Single(Dockerfile.Final.All("COPY"), copy => copy.Arguments == $"--from={Dockerfile.Stages[0].Name} {PublishedHost.ImageFolder} {PublishedHost.ImageFolder}");
    }

    [Fact]
    public void It_runs_the_published_binary_as_a_non_root_user_serving_by_default_on_port_8080()
    {
        var image = Dockerfile.Final;

        Assert.Equal("$APP_UID", image.User);
        Assert.Equal([$"{PublishedHost.ImageFolder}/orchestrator"], image.ExecForm("ENTRYPOINT"));
        Assert.Equal(["serve"], image.ExecForm("CMD"));
        Assert.Equal("http://+:8080", image.Environment["ASPNETCORE_URLS"]);
        Assert.Equal(string.Empty, image.Environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal("8080", Assert.Single(image.All("EXPOSE")).Arguments);
        Assert.Equal("/data", image.Environment["Orchestrator__DataDirectory"]);
        Assert.Equal("/data", Assert.Single(image.All("VOLUME")).Arguments);
        Assert.Equal("true", image.Environment["Orchestrator__Logging__Json"]);
    }

    [Fact]
    public void Every_orchestrator_variable_it_sets_binds_to_the_options_and_none_is_a_secret()
    {
        var environment = Dockerfile.Stages.SelectMany(s => s.Environment).ToList();

        Assert.Contains(environment, variable => OptionsBinding.IsConfigurationName(variable.Key));
        var problems = OptionsBinding.EnvironmentProblems(environment.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)));
        Assert.True(problems.Count == 0, "The Dockerfile sets variables the host does not read:\n" + string.Join('\n', problems));
        var secrets = environment.Where(v => v.Key.Contains("Keys", StringComparison.OrdinalIgnoreCase)
            || v.Key.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) || v.Key.StartsWith("AWS_SECRET", StringComparison.Ordinal));
        Assert.Empty(secrets);
        Assert.DoesNotContain(environment, v => v.Key.Contains(nameof(ApiOptions.AllowAnonymous), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_healthcheck_asks_healthz_on_the_exposed_port_in_exec_form()
    {
        var healthcheck = Assert.Single(Dockerfile.Final.All("HEALTHCHECK"));
        var command = healthcheck.ExecForm();

        Assert.Equal(["bash", "-c"], command.Take(2));
        Assert.Contains("/dev/tcp/127.0.0.1/8080", command[2], StringComparison.Ordinal);
        Assert.Contains("GET /healthz ", command[2], StringComparison.Ordinal);
        Assert.Equal(["interval", "retries", "start-period", "timeout"], healthcheck.Options().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_restore_layer_copies_every_project_and_root_file_the_host_build_reads()
    {
        var build = Dockerfile.Stages[0];
        var restore = build.Instructions.First(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var copiedBeforeRestore = build.All("COPY").Where(c => c.Line < restore.Line).SelectMany(c => c.Sources()).ToHashSet(StringComparer.Ordinal);

        var needed = BuildInputs("Orchestrator.Host/Orchestrator.Host.csproj").Concat(["Directory.Build.props", "Directory.Packages.props", ".editorconfig"]);
        Assert.All(needed, file => Assert.True(copiedBeforeRestore.Contains(file), $"{file} is read by the build but not copied before `dotnet restore`"));
    }

    [Fact]
    public void Every_copied_path_exists_and_the_build_context_leaves_out_secrets_and_build_output()
    {
        var ignore = File.ReadAllLines(RepositoryRoot.File(".dockerignore"))
            .Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        Assert.DoesNotContain(ignore, pattern => pattern.StartsWith('!'));
        var ignored = ignore.Select(IgnorePattern).ToList();
        bool Ignored(string path) => ignored.Any(pattern => pattern.IsMatch(path.TrimEnd('/')));

        foreach (var source in Dockerfile.Stages.SelectMany(s => s.All("COPY")).Where(c => !c.Arguments.StartsWith("--from", StringComparison.Ordinal)).SelectMany(c => c.Sources()))
        {
            var path = RepositoryRoot.File(source);
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: no such file or folder in the repository");
            Assert.False(Ignored(source), $"COPY {source}: .dockerignore leaves it out of the build context");
        }

        Assert.All(new[] { "deploy/.env", ".git", "Orchestrator.Host/bin", "Orchestrator.Host/obj", "Orchestrator.Activities/obj/project.assets.json", "data/orchestrator.db" },
            path => Assert.True(Ignored(path), $"{path} would be sent to the Docker build; add it to .dockerignore"));
    }

    [Fact]
    public async Task Hadolint_finds_nothing_in_the_dockerfile()
    {
        var hadolint = CommandLineTool.Find("hadolint");
        if (hadolint is null)
        {
            Assert.Skip("hadolint is not on PATH, so the Dockerfile was not linted (https://github.com/hadolint/hadolint).");
        }

        var run = await hadolint.RunAsync(["Dockerfile"], RepositoryRoot.Path);

        Assert.True(run.ExitCode == 0, $"hadolint exited {run.ExitCode}:\n{run.Output}");
    }

    static string After(IReadOnlyList<string> arguments, string option) => arguments[arguments.ToList().IndexOf(option) + 1];

    /// <summary>A project file, the project files it references (transitively) and the files outside its folder it includes.</summary>
    static IEnumerable<string> BuildInputs(string project)
    {
        var folder = Path.GetDirectoryName(project)!;
        var includes = XDocument.Load(RepositoryRoot.File(project)).Descendants()
            .Select(e => e.Attribute("Include")?.Value)
            .OfType<string>()
            .Where(include => include.StartsWith("../", StringComparison.Ordinal))
            .Select(include => Path.GetRelativePath(RepositoryRoot.Path, Path.GetFullPath(Path.Combine(RepositoryRoot.Path, folder, include))).Replace('\\', '/'))
            .ToList();
        return includes.Where(i => i.EndsWith(".csproj", StringComparison.Ordinal)).SelectMany(BuildInputs)
            .Concat(includes.Where(i => !i.EndsWith(".csproj", StringComparison.Ordinal)))
            .Append(project)
            .Distinct(StringComparer.Ordinal);
    }

    /// <summary>A .dockerignore line as a regular expression over a path and the folders above it.</summary>
    static Regex IgnorePattern(string pattern)
    {
        var expression = Regex.Escape(pattern.Trim('/'))
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal);
        return new Regex($"^{expression}(/.*)?$", RegexOptions.CultureInvariant);
    }
}
