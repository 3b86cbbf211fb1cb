using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>
/// A page from another origin — here another port of the same loopback address, the shipped setup with no API
/// keys — tries every way a browser lets it send a change without asking: no-cors fetches with no body and with a
/// text body, and a form post. None changes anything, while the dashboard itself, under its strict
/// Content-Security-Policy, still pauses and resumes.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class CrossOriginTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_page_on_another_port_cannot_pause_a_schedule_and_the_dashboard_still_can()
    {
        await using var host = await TestHost.StartAsync(orchestrator => orchestrator["Pipelines"]!["data-preparation"]!["Schedule"] = "30 6 * * *", sampleRows: 0);
        var pause = new Uri(host.BaseAddress, "/api/pipelines/data-preparation/schedule/pause");
        await using var attacker = await AttackerSiteAsync(pause);
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;

        await page.GotoAsync(attacker.Urls.Single() + "/");
        await Expect(page.Locator("#done")).ToHaveTextAsync("sent 3 requests", new() { Timeout = 15_000 });
        Assert.False(await PausedAsync(host));

        // A form post navigates to the answer: the host's refusal, not a paused schedule.
        await page.Locator("#form button").ClickAsync();
        await Expect(page.Locator("body")).ToContainTextAsync("Cross-site request refused");
        Assert.False(await PausedAsync(host));

        // The dashboard's own requests pass: same origin, JSON.
        await page.GotoAsync(host.BaseAddress.ToString());
        var card = page.Locator("article.pipeline[data-pipeline='data-preparation']");
        await card.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Pause schedule…" }).ClickAsync();
        await page.GetByRole(Microsoft.Playwright.AriaRole.Dialog).GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Pause schedule" }).ClickAsync();
        await Expect(card.Locator("[data-field=next-due]")).ToHaveTextAsync("⏸ Paused");
        Assert.True(await PausedAsync(host));
        Assert.Empty(tab.ScriptErrors);
    }

    static async Task<bool> PausedAsync(TestHost host) =>
        (await host.Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token))[0].GetProperty("paused").GetBoolean();

    /// <summary>A real site on another loopback port whose page sends the changes a browser allows without a preflight.</summary>
    static async Task<WebApplication> AttackerSiteAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{TestHost.FreePort()}");
        var site = builder.Build();
        var html = $$"""
            <!doctype html>
            <html><head><title>win a prize</title></head>
            <body>
              <p id="done">sending…</p>
              <form id="form" method="post" action="{{target}}" enctype="text/plain">
                <input type="hidden" name='{"reason":"' value='"}'>
                <button type="submit">Claim</button>
              </form>
              <script>
                const target = '{{target}}';
                Promise.allSettled([
                  fetch(target, { method: 'POST', mode: 'no-cors' }),
                  fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{"reason":"x"}' }),
                  fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'reason=x' }),
                ]).then(results => document.getElementById('done').textContent = `sent ${results.length} requests`);
              </script>
            </body></html>
            """;
        site.MapGet("/", () => Results.Content(html, "text/html"));
        await site.StartAsync(Token);
        return site;
    }
}
