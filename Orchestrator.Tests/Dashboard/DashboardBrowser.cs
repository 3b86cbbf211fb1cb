using Microsoft.Playwright;

namespace Orchestrator.Tests.Dashboard;

/// <summary>
/// Debian's Chromium driven by Microsoft.Playwright (its node driver ships in the NuGet package; no browser is
/// downloaded). One browser serves the whole collection; each test gets a fresh context, so storage and the
/// API key never leak between tests. Pages run in Europe/Berlin, so times must show the browser's zone, not UTC.
/// </summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string TimeZone = "Europe/Berlin";

    IPlaywright? playwright;
    IBrowser? browser;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        // Runs take seconds, not milliseconds: assertions wait for the page's live refresh to catch up.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A new tab on <paramref name="baseAddress"/>; skips the test where no Chromium is installed.</summary>
    public async Task<DashboardPage> OpenAsync(Uri baseAddress)
    {
        if (browser is null)
        {
            Assert.Skip($"Browser tests need Chromium at {ChromiumPath}: install Debian's chromium (apt-get install chromium); .ci/run does.");
        }

        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
            TimezoneId = TimeZone,
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(15_000);
        return new DashboardPage(context, await context.NewPageAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardBrowser>
{
    // Browser tests run one after another: two cores and a shared Chromium are better used that way.
    public const string Name = "Dashboard";
}
