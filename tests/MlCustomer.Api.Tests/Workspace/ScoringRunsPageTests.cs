using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

[Trait("Category", "Browser")]
public sealed partial class ScoringRunsPageTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [SkippableFact]
    public async Task AMarketingSessionSeesTheRunsTheJsonApiListsButCannotStartOne()
    {
        var runs = (await app.GetJsonAsync("/api/v1/scoring-runs", ApiFactory.MarketingKey)).EnumerateArray().ToList();
        Assert.Contains(runs, r => r.GetProperty("id").GetString() == app.RunId);

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Scoring runs" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Scoring runs", Level = 1 })).ToBeVisibleAsync();
        Assert.Equal(runs.Select(r => r.GetProperty("id").GetString()), await page.Locator("[data-table=runs] tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.run)"));
        var cells = await page.Locator($"[data-table=runs] tr[data-run='{app.RunId}'] td").AllInnerTextsAsync();
        var run = runs.Single(r => r.GetProperty("id").GetString() == app.RunId);
        Assert.Equal("succeeded", cells[0].Trim());
        Assert.Equal(run.GetProperty("asOfDate").GetString(), cells[1].Trim());
        Assert.Equal(run.GetProperty("customersScored").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture), cells[2].Trim());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start scoring run" })).ToHaveCountAsync(0);

        // A hand-made form with the session's own antiforgery token (taken from the sign-out form) is still refused.
        var response = await page.RunAndWaitForResponseAsync(() => page.EvaluateAsync("""
            () => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = '/scoring-runs';
                form.appendChild(document.querySelector('input[name=__RequestVerificationToken]').cloneNode());
                document.body.appendChild(form);
                form.submit();
            }
            """), r => r.Url.Contains("/forbidden", StringComparison.Ordinal));
        Assert.Equal(403, response.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        Assert.Equal(runs.Count, (await app.GetJsonAsync("/api/v1/scoring-runs", ApiFactory.MarketingKey)).GetArrayLength());
    }

    [SkippableFact]
    public async Task AnAdminStartsARunFromThePageAndSeesItInTheList()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.AdminKey);
        await page.GotoAsync("/scoring-runs");

        await page.GetByRole(AriaRole.Button, new() { Name = "Start scoring run" }).ClickAsync();

        var notice = page.Locator("[data-state=started]");
        await Expect(notice).ToBeVisibleAsync();
        var id = RunId().Match(await notice.InnerTextAsync()).Groups[1].Value;
        using var admin = app.Client(ApiFactory.AdminKey);
        var finished = await admin.WaitForRunAsync(new Uri($"/api/v1/scoring-runs/{id}", UriKind.Relative));
        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.Equal("test-admin", finished.GetProperty("requestedBy").GetString());
        await page.ReloadAsync();
        await Expect(page.Locator($"[data-table=runs] tr[data-run='{id}'] td").First).ToHaveTextAsync("succeeded");
        await Chromium.ScreenshotAsync(page, "scoring-runs-admin");
    }

    [SkippableFact]
    public async Task AnAsOfDateInTheFutureIsRefusedNextToTheField()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.AdminKey);
        await page.GotoAsync("/scoring-runs");

        await page.GetByLabel("As-of date (optional)").FillAsync("2099-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start scoring run" }).ClickAsync();

        await Expect(page.Locator("#as-of-date-error")).ToContainTextAsync("2099-01-01 is in the future");
        await Expect(page.GetByLabel("As-of date (optional)")).ToHaveAttributeAsync("aria-invalid", "true");
        await Chromium.ScreenshotAsync(page, "scoring-runs-refused-date");
    }

    [GeneratedRegex("Scoring run ([0-9a-f]{32}) is queued")]
    private static partial Regex RunId();
}
