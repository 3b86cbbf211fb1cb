using System.Text.RegularExpressions;

namespace Orchestrator.Tests.Architecture;

/// <summary>Comments cite what a reader can open: files of this repository, never notes kept elsewhere.</summary>
public sealed partial class CitationTests
{
    [Fact]
    public void Every_cited_repository_file_exists_and_nothing_cites_a_note_outside_it()
    {
        var wrong = new List<string>();
        foreach (var file in Sources())
        {
            var relative = Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            wrong.AddRange(OutsideNote().Matches(text).Select(m => $"{relative}: cites \"{m.Value}\", which is not in the repository; move the facts into docs/"));
            wrong.AddRange(CitedFile().Matches(text).Select(m => m.Groups[1].Value)
                .Where(cited => !File.Exists(RepositoryRoot.File(cited)) && !Directory.Exists(RepositoryRoot.File(cited)))
                .Select(cited => $"{relative}: cites {cited}, which does not exist"));
        }

        Assert.Empty(wrong);
    }

    static IEnumerable<string> Sources() =>
        Directory.EnumerateDirectories(RepositoryRoot.Path, "Orchestrator.*")
            .SelectMany(project => Directory.EnumerateFiles(project, "*.*", SearchOption.AllDirectories)
                .Where(file => Path.GetExtension(file) is ".cs" or ".js" or ".sql")
                .Where(file => Path.GetRelativePath(project, file).Split('/', '\\')[0] is not ("bin" or "obj")));

    [GeneratedRegex(@"research[ ]note|design[.]md|shared[/]research", RegexOptions.IgnoreCase)]
    private static partial Regex OutsideNote();

    [GeneratedRegex(@"(?<![\w/.-])(docs/[\w./-]+\.md|deploy/[\w./-]+\.\w+)")]
    private static partial Regex CitedFile();
}
