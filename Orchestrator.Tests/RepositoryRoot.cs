namespace Orchestrator.Tests;

/// <summary>The checkout the tests run from: the folder holding Orchestrator.slnx.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string File(string relative) => System.IO.Path.Combine(Path, relative);

    static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Orchestrator.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Orchestrator.slnx above {AppContext.BaseDirectory}.");
    }
}
