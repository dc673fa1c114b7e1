using System.Globalization;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

[Trait("Category", "Browser")]
public sealed class SegmentsPageTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [SkippableFact]
    public async Task TheSegmentsPageShowsEveryProfileSideBySideWithTheJsonApisNamesAndFigures()
    {
        var json = await app.GetJsonAsync("/api/v1/segments", ApiFactory.MarketingKey);
        var segments = json.GetProperty("segments").EnumerateArray().ToList();
        Assert.NotEmpty(segments);

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Segments" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Segments", Level = 1 })).ToBeVisibleAsync();
        var names = await page.Locator("[data-table=segments] thead th[data-segment]").AllInnerTextsAsync();
        Assert.Equal(segments.Select(s => s.GetProperty("name").GetString()), names.Select(n => n.Trim()));
        var customers = await page.Locator("[data-table=segments] tr[data-measure=customers] td").AllInnerTextsAsync();
        Assert.Equal(segments.Select(s => s.GetProperty("customers").GetInt32().ToString("N0", CultureInfo.InvariantCulture)), customers.Select(c => c.Trim()));
        var profit = await page.Locator("[data-table=segments] tr[data-measure=share-of-profit] td").AllInnerTextsAsync();
        Assert.Equal(
            segments.Select(s => (s.GetProperty("shareOfProfit").GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%"),
            profit.Select(c => c.Trim()));
        foreach (var segment in segments)
        {
            await Expect(page.GetByText(segment.GetProperty("nameReason").GetString()!)).ToBeVisibleAsync();
        }

        await Chromium.ScreenshotAsync(page, "segments");
    }
}
