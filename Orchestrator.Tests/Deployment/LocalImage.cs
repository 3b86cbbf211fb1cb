using System.Diagnostics;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The repository's Dockerfile built once by podman for the container tests, on local stand-ins for the base images
/// it names (<c>deploy/standin-base-images.sh</c>, which assembles them once per machine). Tests call
/// <see cref="Require"/>: it skips where podman is absent or the stand-ins cannot be assembled, and fails when the
/// build did. The image keeps its tag afterwards, so the next build reuses its layers.
/// </summary>
public sealed class LocalImage : IAsyncLifetime
{
    public const string Collection = "Image built by podman";

    /// <summary>
    /// The tag of this checkout's build (checkouts built side by side on one machine keep their own); a build moves it
    /// and removes the image it leaves behind.
    /// </summary>
    public static string Tag { get; } = "localhost/orchestrator-test:"
        + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RepositoryRoot.Path)))[..12];

    static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);

    string? skipReason;
    string? failure;

    public Podman Podman { get; private set; } = null!;

    /// <summary>The built image's id: tests run exactly this image even if another checkout moves the tag meanwhile.</summary>
    public string Id { get; private set; } = string.Empty;

    /// <summary>The build of the repository's Dockerfile, with what it printed step by step.</summary>
    public ImageBuild Build { get; private set; } = new(null, string.Empty);

    public TimeSpan BuildTime { get; private set; }

    /// <summary>What the stand-in script said and how long it took (seconds when cached, a minute or two when assembling).</summary>
    public string StandIns { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        if (Podman.Find() is not { } podman)
        {
            skipReason = "podman is not on PATH, so the image was neither built nor run (Debian: apt-get install podman runc debootstrap; .ci/run installs them and writes podman's settings).";
            return;
        }

        Podman = podman;
        var bash = CommandLineTool.Find("bash") ?? throw new InvalidOperationException("bash is not on PATH");
        var stopwatch = Stopwatch.StartNew();
        var standIns = await bash.RunAsync([RepositoryRoot.File("deploy/standin-base-images.sh"), RepositoryRoot.File("Dockerfile")], RepositoryRoot.Path, timeout: TimeSpan.FromMinutes(10));
        StandIns = $"{standIns.Output.Trim()} ({stopwatch.Elapsed.TotalSeconds:F0} s)";
        if (standIns.ExitCode == 3)
        {
            skipReason = $"The Dockerfile's base images are not available and cannot be assembled here, so the image was neither built nor run: {standIns.Output.Trim()}";
            return;
        }

        if (standIns.ExitCode != 0)
        {
            failure = $"deploy/standin-base-images.sh exited {standIns.ExitCode}:\n{standIns.Output}";
            return;
        }

        var previous = await TaggedAsync(podman);
        stopwatch.Restart();
        var build = await BuildAsync(podman, RepositoryRoot.Path, Tag);
        BuildTime = stopwatch.Elapsed;
        Build = build;
        if (build.ImageId is null)
        {
            failure = $"podman build of the repository's Dockerfile failed:\n{build.Output}";
            return;
        }

        Id = build.ImageId;

        // The build stages stay tagged as well: they are the cache of the next build. What this checkout's previous
        // build left is removed, unless a container elsewhere still uses it.
        foreach (var (stageImage, index) in build.StageImages.Select((id, index) => (id, index)))
        {
            await podman.CheckedAsync(["tag", stageImage, $"{Tag}-stage{index + 1}"]);
        }

        var superseded = previous.Except(await TaggedAsync(podman)).ToList();
        if (superseded.Count > 0)
        {
            await podman.RunAsync(["image", "rm", .. superseded]);
        }
    }

    public void Require()
    {
        if (skipReason is not null)
        {
            Assert.Skip(skipReason);
        }

        Assert.True(failure is null, failure);
    }

    /// <summary>
    /// <c>podman build</c> of <paramref name="context"/>'s Dockerfile as this machine needs it: the local base images
    /// only, the Docker format (the OCI format drops HEALTHCHECK), the host's network, and the machine's certificate
    /// bundle mounted for the RUN steps only, so a restore behind a TLS-inspecting proxy works and nothing is baked in.
    /// </summary>
    public static async Task<ImageBuild> BuildAsync(Podman podman, string context, string tag)
    {
        using var scratch = new TempDirectory();
        var idFile = scratch.File("image-id");
        var run = await podman.RunAsync(
            [.. BuildOptions(), "--file", Path.Combine(context, "Dockerfile"), "--tag", tag, "--iidfile", idFile, context],
            BuildTimeout);
        var id = run.ExitCode == 0 && File.Exists(idFile) ? File.ReadAllText(idFile).Trim().Replace("sha256:", string.Empty, StringComparison.Ordinal) : null;
        return new ImageBuild(id, run.Output);
    }

    /// <summary>The options of <see cref="BuildAsync"/> before the file, tag and context.</summary>
    public static IReadOnlyList<string> BuildOptions()
    {
        List<string> options = ["build", "--pull=never", "--format", "docker", "--network", "host"];
        var bundle = Environment.GetEnvironmentVariable("SSL_CERT_FILE") is { Length: > 0 } named && File.Exists(named) ? named : "/etc/ssl/certs/ca-certificates.crt";
        if (File.Exists(bundle))
        {
            options.AddRange(["--volume", $"{bundle}:/etc/ssl/certs/ca-certificates.crt:ro"]);
        }

        return options;
    }

    /// <summary>The images this checkout's tags name now: the image and its build stages.</summary>
    static async Task<IReadOnlyList<string>> TaggedAsync(Podman podman)
    {
        var listed = await podman.CheckedAsync(["image", "list", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
        return listed.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Where(parts => parts[0] == Tag || parts[0].StartsWith(Tag + "-stage", StringComparison.Ordinal))
            .Select(parts => parts[1].Replace("sha256:", string.Empty, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A figure for the test output: xunit's diagnostic messages, which xunit.runner.json lets `dotnet test` print.</summary>
    public static void Report(string line) => TestContext.Current.SendDiagnosticMessage(line);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// The container tests run after the rest of the suite, alone: a cold image build and the containers' hosts load
/// the machine enough to push the suite's timing-sensitive crash tests past their limits.
/// </summary>
[CollectionDefinition(LocalImage.Collection, DisableParallelization = true)]
public sealed class LocalImageCollection : ICollectionFixture<LocalImage>;
