using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orchestrator.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.Tests.Dashboard;

/// <summary>An operator on the keyboard alone pauses and resumes a schedule, and backs out of a dialog.</summary>
[Collection(DashboardCollection.Name)]
public sealed class KeyboardScheduleTests(DashboardBrowser browser)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_schedule_is_paused_and_resumed_with_the_keyboard_and_its_next_due_time_reads_in_local_time()
    {
        await using var host = await TestHost.StartAsync(orchestrator => orchestrator["Pipelines"]!["data-preparation"]!["Schedule"] = "30 6 * * *", sampleRows: 0);
        await using var tab = await browser.OpenAsync(host.BaseAddress);
        var page = tab.Page;
        await page.GotoAsync("/");
        var card = page.Locator("article.pipeline[data-pipeline='data-preparation']");

        // The next slot is 06:30 UTC: shown in the browser's zone, UTC on hover.
        var pipeline = (await host.Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token))[0];
        var due = DateTime.Parse(pipeline.GetProperty("nextDueAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var local = TimeZoneInfo.ConvertTimeFromUtc(due, TimeZoneInfo.FindSystemTimeZoneById(DashboardBrowser.TimeZone));
        var nextDue = card.Locator("[data-field=next-due] time");
        await Expect(nextDue).ToContainTextAsync(local.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        await Expect(nextDue).ToHaveAttributeAsync("title", due.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC");

        // Tab order: the skip link first, then through the header to the pipeline's buttons.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await FocusedTextAsync(page));
        await TabToAsync(page, "Trigger run…");

        // Escape backs out of a dialog and starts nothing.
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        Assert.Equal("Trigger run…", await FocusedTextAsync(page));

        await TabToAsync(page, "Pause schedule…");
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Pause the schedule of data-preparation?" });
        await Expect(dialog.GetByLabel("Reason (optional)")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("warehouse maintenance");
        await page.Keyboard.PressAsync("Enter");
        await Expect(card.Locator("[data-field=next-due]")).ToHaveTextAsync("⏸ Paused");
        await Expect(card).ToContainTextAsync("warehouse maintenance");
        var paused = (await host.Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token))[0];
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.Equal("warehouse maintenance", paused.GetProperty("pauseReason").GetString());

        // Focus stays on the (redrawn) button, which now resumes.
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Resume schedule" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(card.Locator("[data-field=next-due] time")).ToBeVisibleAsync();
        Assert.False((await host.Client.GetFromJsonAsync<JsonElement>("/api/pipelines", Token))[0].GetProperty("paused").GetBoolean());
        Assert.Empty((await host.Client.GetFromJsonAsync<JsonElement>("/api/runs", Token)).GetProperty("runs").EnumerateArray());
        Assert.Empty(tab.ScriptErrors);
    }

    static Task<string> FocusedTextAsync(IPage page) =>
        page.EvaluateAsync<string>("() => document.activeElement?.textContent?.trim() ?? ''");

    static async Task TabToAsync(IPage page, string text)
    {
        for (var presses = 0; presses < 25; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await FocusedTextAsync(page) == text)
            {
                return;
            }
        }

        Assert.Fail($"'{text}' cannot be reached with the Tab key.");
    }
}
