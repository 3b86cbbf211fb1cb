namespace Orchestrator.Tests.Deployment;

/// <summary>The checkout the tests run from: the nearest folder above the test assembly that holds Orchestrator.slnx.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string FullPath => Root.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root.Value, .. parts]);

    private static string Locate()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Orchestrator.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above {AppContext.BaseDirectory} holds Orchestrator.slnx; run the tests from a checkout of the repository.");
    }
}
