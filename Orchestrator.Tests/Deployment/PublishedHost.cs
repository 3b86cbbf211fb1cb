using System.Diagnostics;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// The host published once for a test class with the Dockerfile's own <c>dotnet publish</c> arguments, into a
/// temporary folder that stands for the image's output folder. Its own artifacts path keeps the developer's bin/
/// and obj/ untouched. Tests call <see cref="Require"/>: it skips when dotnet is missing, fails when publishing did.
/// </summary>
public sealed class PublishedHost : IAsyncLifetime
{
    readonly TempDirectory directory = new();
    string? skipReason;
    string? failure;

    public static Dockerfile Dockerfile { get; } = Dockerfile.Load(RepositoryRoot.File("Dockerfile"));

    /// <summary>The output folder the Dockerfile publishes to (<c>-o /app</c>).</summary>
    public static string ImageFolder => PublishArguments().SkipWhile(a => a != "-o").Skip(1).First();

    /// <summary>The image's output folder, here.</summary>
    public string Folder => directory.File("app");

    public TimeSpan PublishTime { get; private set; }

    /// <summary>A path inside the image (<c>/app/orchestrator</c>) as a path in <see cref="Folder"/>.</summary>
    public string Local(string imagePath) =>
        imagePath.StartsWith(ImageFolder + "/", StringComparison.Ordinal)
            ? Path.Combine(Folder, imagePath[(ImageFolder.Length + 1)..])
            : throw new InvalidOperationException($"{imagePath} is not under the image's output folder {ImageFolder}");

    public async ValueTask InitializeAsync()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? new CommandLineTool("dotnet", host)
            : CommandLineTool.Find("dotnet");
        if (dotnet is null)
        {
            skipReason = "dotnet is not on PATH (nor DOTNET_HOST_PATH set), so the host could not be published.";
            return;
        }

        // The Dockerfile's arguments, with its output folder replaced and a restore of our own (it restores in an earlier layer).
        var arguments = PublishArguments().Select(a => a == ImageFolder ? Folder : a).Where(a => a != "--no-restore")
            .Concat(["--artifacts-path", directory.File("artifacts"), "-nologo"]).ToList();
        var stopwatch = Stopwatch.StartNew();
        var run = await dotnet.RunAsync(arguments, RepositoryRoot.Path, timeout: TimeSpan.FromMinutes(6));
        PublishTime = stopwatch.Elapsed;
        if (run.ExitCode != 0)
        {
            failure = $"dotnet {string.Join(' ', arguments)} exited {run.ExitCode}:\n{run.Output}";
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

    public ValueTask DisposeAsync()
    {
        directory.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The arguments of the build stage's <c>RUN dotnet publish …</c>, after "dotnet".</summary>
    public static IReadOnlyList<string> PublishArguments() =>
        Dockerfile.Stages.SelectMany(s => s.All("RUN"))
            .Select(run => run.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(words => words is ["dotnet", "publish", ..])?[1..]
        ?? throw new InvalidDataException("The Dockerfile has no RUN dotnet publish.");
}
