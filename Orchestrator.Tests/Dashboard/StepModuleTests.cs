using System.Text.RegularExpressions;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Tests.Dashboard;

/// <summary>
/// The dashboard names steps in one module (wwwroot/js/steps.js), whose ids must be the server's; every module is
/// preloaded by the page.
/// </summary>
public sealed partial class StepModuleTests
{
    static readonly string Scripts = RepositoryRoot.File("Orchestrator.Host/wwwroot/js");

    [Fact]
    public void The_step_module_declares_the_servers_step_ids()
    {
        var module = File.ReadAllText(Path.Combine(Scripts, "steps.js"));

        Assert.Equal(StepIds.RawCrawler, Constant(module, "RAW_CRAWLER"));
        Assert.Equal(StepIds.CleanCrawler, Constant(module, "CLEAN_CRAWLER"));
        Assert.Equal(StepIds.Entity("sales"), Constant(module, "ENTITY_PREFIX") + "sales");
        Assert.Equal(StepIds.EntityCleanCrawler("sales"), Constant(module, "LANE_PREFIX") + "sales");
    }

    [Fact]
    public void No_other_module_spells_a_step_id()
    {
        var ids = new[] { StepIds.RawCrawler, StepIds.CleanCrawler, StepIds.Entity(string.Empty), StepIds.EntityCleanCrawler(string.Empty) };
        var spelled = Directory.EnumerateFiles(Scripts, "*.js")
            .Where(file => Path.GetFileName(file) != "steps.js")
            .SelectMany(file => ids.Where(id => File.ReadAllText(file).Contains($"'{id}", StringComparison.Ordinal) || File.ReadAllText(file).Contains($"`{id}", StringComparison.Ordinal))
                .Select(id => $"{Path.GetFileName(file)} spells '{id}'; import it from steps.js"))
            .ToList();

        Assert.Empty(spelled);
    }

    [Fact]
    public void The_page_preloads_every_module()
    {
        var page = File.ReadAllText(RepositoryRoot.File("Orchestrator.Host/wwwroot/index.html"));

        Assert.All(Directory.EnumerateFiles(Scripts, "*.js").Select(Path.GetFileName),
            module => Assert.Contains($"<link rel=\"modulepreload\" href=\"/js/{module}\">", page, StringComparison.Ordinal));
    }

    static string Constant(string module, string name) =>
        ConstantDeclaration().Matches(module).Single(m => m.Groups[1].Value == name).Groups[2].Value;

    [GeneratedRegex(@"^(?:export\s+)?const\s+(\w+)\s*=\s*'([^']*)';", RegexOptions.Multiline)]
    private static partial Regex ConstantDeclaration();
}
