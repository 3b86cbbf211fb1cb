using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>On a host that protects reads and changes with keys, the page asks for one and keeps it for the tab only.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiKeyTests(DashboardBrowser browser)
{
    const string Key = "operator-key-7f3a";

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_asks_for_the_API_key_keeps_it_for_the_session_only_and_uses_it_for_changes()
    {
        await using var host = await TestHost.StartAsync(orchestrator =>
            orchestrator["Api"] = new JsonObject { ["Keys"] = new JsonArray(Key), ["ProtectReads"] = true });
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");

        // A wrong key is refused with the host's own words, and asked for again.
        var prompt = page.GetByRole(AriaRole.Dialog, new() { Name = "API key needed" });
        await Expect(prompt).ToContainTextAsync("This endpoint needs an API key in the X-Api-Key header.");
        await prompt.GetByLabel("API key").FillAsync("guess");
        await prompt.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(prompt).ToContainTextAsync("The API key in X-Api-Key is not valid.");
        await prompt.GetByLabel("API key").FillAsync(Key);
        await prompt.GetByLabel("API key").PressAsync("Enter");
        await Expect(prompt).ToHaveCountAsync(0);

        var card = page.Locator("article.pipeline[data-pipeline='data-preparation']");
        await Expect(card).ToBeVisibleAsync();
        Assert.Equal(Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('orchestrator.apiKey')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));

        // Changes go through with the key.
        await card.GetByRole(AriaRole.Button, new() { Name = "Trigger run…" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();
        var started = page.Locator(".notice", new() { HasText = "Started run" }).GetByRole(AriaRole.Link);
        var runId = await started.TextContentAsync();
        await Expect(page.Locator($"table.runs tr[data-run-id='{runId}']")).ToHaveAttributeAsync("data-state", "Succeeded", new() { Timeout = 60_000 });

        // Another tab has its own session storage: it asks again.
        await using (var other = await browser.OpenAsync(host.BaseAddress))
        {
            await other.Page.GotoAsync("/");
            await Expect(other.Page.GetByRole(AriaRole.Dialog, new() { Name = "API key needed" })).ToBeVisibleAsync();
        }

        // Forgotten, the key is asked for at the next refresh; dismissed, the page waits and offers to ask again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Forget API key" }).ClickAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('orchestrator.apiKey')"));
        await Expect(prompt).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#live-state")).ToHaveTextAsync("Waiting for an API key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enter API key" }).ClickAsync();
        await prompt.GetByLabel("API key").FillAsync(Key);
        await prompt.GetByLabel("API key").PressAsync("Enter");
        await Expect(page.Locator($"table.runs tr[data-run-id='{runId}']")).ToBeVisibleAsync();
        await Expect(page.Locator("#live-state")).ToContainTextAsync("Updated");

        var anonymous = await host.Client.PostAsJsonAsync("/api/pipelines/data-preparation/schedule/pause", new { }, Token);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("X-Api-Key", (await anonymous.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(tab.ScriptErrors);
    }
}
