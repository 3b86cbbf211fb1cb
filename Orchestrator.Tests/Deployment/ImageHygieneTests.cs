using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The built image as a release reviewer looks at it: what it adds to its base image (size and layers), what /app
/// holds, what its history and configuration reveal, and that a code change leaves the package restore cached.
/// The figures are printed; docs/operations.md quotes them.
/// </summary>
[Collection(LocalImage.Collection)]
public sealed partial class ImageHygieneTests(LocalImage image)
{
    /// <summary>Assemblies of test and benchmark tooling, by file-name prefix.</summary>
    static readonly string[] ToolingAssemblies =
        ["xunit", "testhost", "Microsoft.TestPlatform", "Microsoft.VisualStudio.TestPlatform", "Microsoft.Testing.", "WireMock", "Microsoft.Playwright", "BenchmarkDotNet"];

    static Dockerfile Dockerfile => PublishedHost.Dockerfile;

    [Fact]
    public async Task It_adds_only_the_published_host_to_its_base_with_no_test_assembly_secret_or_certificate_of_the_build_machine()
    {
        image.Require();
        var podman = image.Podman;
        var baseImage = Dockerfile.Final.Image;
        var (size, layers) = await SizeAndLayersAsync(podman, image.Id);
        var (baseSize, baseLayers) = await SizeAndLayersAsync(podman, baseImage);
        var folder = PublishedHost.ImageFolder;
        var published = long.Parse((await RunInAsync(image.Id, "du", "--summarize", "--bytes", folder)).Split('\t')[0], CultureInfo.InvariantCulture);
        var files = (await RunInAsync(image.Id, "find", folder, "-type", "f", "-printf", "%P\n")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // One layer per RUN, COPY or ADD of the final stage, and nothing in them but the published folder (and /data).
        Assert.Equal(baseLayers + Dockerfile.Final.Instructions.Count(i => i.Keyword is "RUN" or "COPY" or "ADD"), layers);
        Assert.True(size - baseSize < published * 1.02 + 1_000_000, $"the image adds {size - baseSize:N0} bytes to {baseImage}, but {folder} holds {published:N0}");
        var forbidden = ToolingAssemblies.Concat(ProjectsOutsideTheHost()).ToList();
        Assert.Contains(files, file => file == "orchestrator.dll");
        Assert.DoesNotContain(files, file => forbidden.Any(prefix => Path.GetFileName(file).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)));

        var history = await podman.CheckedAsync(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image.Id]);
        var environment = await podman.CheckedAsync(["image", "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", image.Id]);
        Assert.Empty(SecretAssignment().Matches(history + "\n" + environment).Select(m => m.Value));
        var certificates = "/etc/ssl/certs/ca-certificates.crt";
        Assert.Equal(await RunInAsync(baseImage, "sha256sum", certificates), await RunInAsync(image.Id, "sha256sum", certificates));

        var standIn = await podman.CheckedAsync(["image", "inspect", "--format", "{{index .Labels \"io.orchestrator.standin\"}}", baseImage]) == "true";
        LocalImage.Report($"image: {Megabytes(size)} in {layers} layers on {(standIn ? "the stand-in " : string.Empty)}{baseImage} ({Megabytes(baseSize)}, {baseLayers} layer{(baseLayers == 1 ? string.Empty : "s")}): "
            + $"the Dockerfile adds {Megabytes(size - baseSize)} in {layers - baseLayers} layers; {folder}: {files.Length} files, {Megabytes(published)}, "
            + $"no test or benchmark assembly; history and variables hold no secret; built in {image.BuildTime.TotalSeconds:F0} s; stand-ins: {image.StandIns}");
    }

    [Fact]
    public async Task A_change_to_a_cs_file_rebuilds_what_follows_the_restore_and_reuses_the_restore_layer()
    {
        image.Require();
        var (stage, restore) = Dockerfile.Stages.SelectMany(s => s.All("RUN").Select(run => (Stage: s, Run: run)))
            .First(step => step.Run.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        var sources = stage.All("COPY").Where(copy => copy.Line > restore.Line && !copy.Arguments.StartsWith("--from", StringComparison.Ordinal)).SelectMany(copy => copy.Sources());
        var changed = sources.Select(RepositoryRoot.File).Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file))
            .First(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));
        using var context = new TempDirectory();
        CopyContext(RepositoryRoot.Path, context.Path);
        await File.AppendAllTextAsync(Path.Combine(context.Path, changed), "\n// changed by the image cache test\n", TestContext.Current.CancellationToken);
        var tag = $"{LocalImage.Tag}-cache-{Guid.NewGuid():N}";

        var stopwatch = Stopwatch.StartNew();
        var build = await LocalImage.BuildAsync(image.Podman, context.Path, tag);
        try
        {
            Assert.True(build.ImageId is not null, $"the build of the changed copy failed:\n{build.Output}");
            Assert.NotEqual(image.Id, build.ImageId);
            var steps = build.Steps;
            var restoreStep = steps.Single(step => step.Instruction.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
            Assert.True(restoreStep.Cached, $"`{restoreStep.Instruction}` ran again after a change to {changed}:\n{build.Output}");
            Assert.All(steps.Where(step => step.Stage == restoreStep.Stage && step.Number < restoreStep.Number && step.Number > 1), step => Assert.True(step.Cached, step.Instruction));
            var publish = steps.Single(step => step.Instruction.StartsWith("RUN dotnet publish", StringComparison.Ordinal));
            Assert.False(publish.Cached, $"the publish step did not see the change to {changed}");
            LocalImage.Report($"cache: after a change to {changed} the restore layer was reused; {steps.Count(s => !s.Cached)} of {steps.Count} steps ran; "
                + $"the rebuild took {stopwatch.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            // The changed copy's image and build stage; the cache they share with the suite's image stays.
            await image.Podman.RunAsync(["image", "rm", tag, .. build.StageImages.Except(image.Build.StageImages)], outlivesTest: true);
        }
    }

    /// <summary>The projects in the repository the host does not reference: their assemblies have no place in the image.</summary>
    static IEnumerable<string> ProjectsOutsideTheHost()
    {
        var host = RepositoryRoot.File("Orchestrator.Host/Orchestrator.Host.csproj");
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(host)]);
        while (pending.TryPop(out var project))
        {
            if (referenced.Add(project))
            {
                foreach (var reference in XDocument.Load(project).Descendants("ProjectReference").Select(r => r.Attribute("Include")!.Value))
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Replace('\\', '/'))));
                }
            }
        }

        return Directory.EnumerateFiles(RepositoryRoot.Path, "*.csproj", SearchOption.AllDirectories)
            .Where(project => !project.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(Path.GetFullPath).Where(project => !referenced.Contains(project))
            .Select(project => Path.GetFileNameWithoutExtension(project));
    }

    /// <summary>The build context without version control and build output (the .dockerignore leaves out more at build time).</summary>
    static void CopyContext(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            if (Path.GetFileName(directory) is not (".git" or "bin" or "obj" or "TestResults"))
            {
                CopyContext(directory, Directory.CreateDirectory(Path.Combine(to, Path.GetFileName(directory))).FullName);
            }
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    static async Task<(long Size, int Layers)> SizeAndLayersAsync(Podman podman, string reference)
    {
        var inspect = (await podman.CheckedAsync(["image", "inspect", "--format", "{{.Size}} {{len .RootFS.Layers}}", reference])).Split(' ');
        return (long.Parse(inspect[0], CultureInfo.InvariantCulture), int.Parse(inspect[1], CultureInfo.InvariantCulture));
    }

    /// <summary>A command in a throw-away container of <paramref name="reference"/>, without network; its output.</summary>
    Task<string> RunInAsync(string reference, params string[] command) =>
        image.Podman.CheckedAsync(["run", "--rm", "--network", "none", "--label", $"{Podman.TestLabel}=true", "--entrypoint", command[0], reference, .. command[1..]]);

    static string Megabytes(long bytes) => $"{bytes / 1e6:F0} MB";

    /// <summary>A variable or argument that sets something secret-looking to a value.</summary>
    [GeneratedRegex(@"(?i)[A-Za-z_]*(password|secret|token|api_?key|keys__[0-9]+|connectionstring)[A-Za-z_]*\s*=\s*[^\s""']+")]
    private static partial Regex SecretAssignment();
}

