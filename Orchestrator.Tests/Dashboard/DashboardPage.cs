using Microsoft.Playwright;

namespace Orchestrator.Tests.Dashboard;

/// <summary>
/// A dashboard tab: the page, plus what the page's script threw or logged as an error, which a test checks at the
/// end (a dashboard that throws is broken even when the assertions happened to pass).
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    readonly IBrowserContext context;
    readonly List<string> errors = [];

    public DashboardPage(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.PageError += (_, error) => errors.Add($"uncaught: {error}");
        page.Console += (_, message) =>
        {
            // Failed requests are logged by the browser itself; the tests check those through the page's behaviour.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                errors.Add($"console: {message.Text}");
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> ScriptErrors => errors;

    /// <summary>Saves a screenshot: into docs/images when ORCHESTRATOR_UPDATE_SCREENSHOTS=1, else beside the test binaries.</summary>
    public async Task ScreenshotAsync(string name, ILocator? element = null, bool fullPage = true)
    {
        var folder = Environment.GetEnvironmentVariable("ORCHESTRATOR_UPDATE_SCREENSHOTS") == "1"
            ? RepositoryRoot.File(Path.Combine("docs", "images"))
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}.png");
        if (element is null)
        {
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        }
        else
        {
            await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        }
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
