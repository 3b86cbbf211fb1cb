using System.Text.RegularExpressions;
using System.Xml.Linq;
using Orchestrator.Tests.Deployment;

namespace Orchestrator.Tests.Architecture;

/// <summary>
/// The layering of docs/architecture.md, read from the project files and sources themselves: references point one
/// way, tests and benchmarks never reference each other, and a namespace is its project plus its folder.
/// </summary>
public sealed partial class ProjectReferenceTests
{
    const string Sqlite = "Orchestrator.Sqlite";
    const string Glue = "Orchestrator.Glue";
    const string GlueLocal = "Orchestrator.Glue.Local";
    const string Activities = "Orchestrator.Activities";
    const string Storage = "Orchestrator.Storage";
    const string Host = "Orchestrator.Host";
    const string Tests = "Orchestrator.Tests";
    const string Benchmarks = "Orchestrator.Benchmarks";

    /// <summary>What each project may reference (docs/architecture.md, "Projects").</summary>
    static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [Sqlite] = [],
        [Glue] = [],
        [GlueLocal] = [Glue, Sqlite],
        [Activities] = [Glue, Storage],
        [Storage] = [Sqlite],
        [Host] = [Sqlite, Glue, GlueLocal, Activities, Storage],
        [Tests] = [Sqlite, Glue, GlueLocal, Activities, Storage, Host],
        [Benchmarks] = [Sqlite, Glue, GlueLocal, Activities, Storage, Host],
    };

    [Fact]
    public void Every_project_is_named_in_the_layering()
    {
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), Projects().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Project_references_point_one_way()
    {
        var wrong = Projects()
            .SelectMany(project => project.Value.References.Where(reference => !Allowed[project.Key].Contains(reference, StringComparer.Ordinal))
                .Select(reference => $"{project.Key} references {reference}; it may reference only [{string.Join(", ", Allowed[project.Key])}]"))
            .ToList();

        Assert.Empty(wrong);
    }

    [Fact]
    public void Every_namespace_is_its_project_and_folder_and_never_repeats_a_part()
    {
        var projects = Projects();
        // A file compiled into two projects (a <Compile Link>) belongs to neither, so it may use the root namespace.
        var linked = projects.Values.SelectMany(p => p.LinkedFiles).ToHashSet(StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var project in projects.Keys)
        {
            var folder = RepositoryRoot.File(project);
            foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).Where(f => !IsBuildOutput(folder, f)))
            {
                var relative = Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/');
                if (NamespaceDeclaration().Match(File.ReadAllText(file)) is not { Success: true } match)
                {
                    continue;
                }

                var declared = match.Groups[1].Value;
                var subfolder = Path.GetDirectoryName(Path.GetRelativePath(folder, file))!.Replace('\\', '/');
                var expected = subfolder.Length == 0 ? project : $"{project}.{subfolder.Replace('/', '.')}";
                var parts = declared.Split('.');
                if (parts.Zip(parts.Skip(1)).Any(pair => pair.First == pair.Second))
                {
                    wrong.Add($"{relative}: namespace {declared} repeats a part; name the folder for what is in it");
                }
                else if (declared != expected && !(linked.Contains(relative) && declared == "Orchestrator"))
                {
                    wrong.Add($"{relative}: namespace {declared}, expected {expected} (project and folder)");
                }
            }
        }

        Assert.Empty(wrong);
        Assert.DoesNotContain(
            Directory.EnumerateDirectories(RepositoryRoot.File(Activities), "*", SearchOption.AllDirectories).Select(d => Path.GetRelativePath(RepositoryRoot.Path, d).Replace('\\', '/')),
            d => d == $"{Activities}/Activities");
    }

    [Fact]
    public void The_image_build_copies_the_folder_of_every_project_the_host_needs()
    {
        var build = Dockerfile.Load(RepositoryRoot.File("Dockerfile")).Stages[0];
        var copied = build.All("COPY").SelectMany(c => c.Sources()).Select(s => s.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var projects = Projects();
        var needed = new HashSet<string>(StringComparer.Ordinal);
        void Add(string project)
        {
            if (needed.Add(project))
            {
                foreach (var reference in projects[project].References)
                {
                    Add(reference);
                }
            }
        }

        Add(Host);

        Assert.All(needed, project => Assert.True(copied.Contains(project), $"the Dockerfile does not copy {project}/ although the host needs it"));
    }

    static bool IsBuildOutput(string projectFolder, string file)
    {
        var first = Path.GetRelativePath(projectFolder, file).Split('/', '\\')[0];
        return first is "bin" or "obj";
    }

    /// <summary>Every project under the repository root, with the projects it references and the files it links.</summary>
    static Dictionary<string, ProjectFile> Projects() =>
        Directory.EnumerateDirectories(RepositoryRoot.Path, "Orchestrator.*")
            .Select(folder => Path.Combine(folder, Path.GetFileName(folder) + ".csproj"))
            .Where(File.Exists)
            .ToDictionary(path => Path.GetFileNameWithoutExtension(path), Read, StringComparer.Ordinal);

    static ProjectFile Read(string path)
    {
        var document = XDocument.Load(path);
        var folder = Path.GetDirectoryName(path)!;
        var references = document.Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        var linked = document.Descendants("Compile")
            .Select(e => e.Attribute("Include")?.Value)
            .OfType<string>()
            .Select(include => Path.GetRelativePath(RepositoryRoot.Path, Path.GetFullPath(Path.Combine(folder, include.Replace('\\', '/')))).Replace('\\', '/'))
            .ToList();
        return new ProjectFile(references, linked);
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    sealed record ProjectFile(IReadOnlyList<string> References, IReadOnlyList<string> LinkedFiles);
}
