using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

[Trait("Category", "Browser")]
public sealed class OverviewTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [SkippableFact]
    public async Task TheOverviewShowsTheFiguresTheJsonApiServesForTheSameRun()
    {
        var summary = await app.GetJsonAsync("/api/v1/tiers/summary", ApiFactory.MarketingKey);
        var pareto = await app.GetJsonAsync("/api/v1/tiers/pareto", ApiFactory.MarketingKey);
        var model = await app.GetJsonAsync("/api/v1/models", ApiFactory.MarketingKey);
        var run = await app.GetJsonAsync($"/api/v1/scoring-runs/{app.RunId}", ApiFactory.MarketingKey);
        Assert.Equal(app.RunId, summary.GetProperty("runId").GetString());
        Assert.Equal(app.RunId, pareto.GetProperty("runId").GetString());
        var currency = model.GetProperty("currency").GetString();

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        await Expect(Figure(page, "model-version")).ToHaveTextAsync(model.GetProperty("version").GetString()!);
        await Expect(Figure(page, "churn-grade")).ToHaveTextAsync(model.GetProperty("churn").GetProperty("grade").GetString()!);
        await Expect(Figure(page, "value-grade")).ToHaveTextAsync(model.GetProperty("value").GetProperty("grade").GetString()!);
        await Expect(Figure(page, "as-of-date")).ToHaveTextAsync(summary.GetProperty("asOfDate").GetString()!);
        await Expect(Figure(page, "run-model-version")).ToHaveTextAsync(summary.GetProperty("modelVersion").GetString()!);
        await Expect(Figure(page, "customers")).ToHaveTextAsync(Count(summary.GetProperty("customers")));
        await Expect(Figure(page, "total-profit")).ToHaveTextAsync(Amount(summary.GetProperty("totalProfit"), currency));
        await Expect(Figure(page, "false-big")).ToHaveTextAsync(Count(summary.GetProperty("falseBigCustomers")));
        await Expect(Figure(page, "pareto-sentence")).ToHaveTextAsync(pareto.GetProperty("sentence").GetString()!);
        var shifted = run.GetProperty("driftShifted");
        await Expect(Figure(page, "drift")).ToContainTextAsync(
            shifted.ValueKind == JsonValueKind.Null ? "not recorded" : shifted.GetArrayLength() == 0 ? "stable" : $"shifted ({shifted.GetArrayLength()})");

        var tiers = summary.GetProperty("tiers").EnumerateArray().ToList();
        Assert.Equal(["A", "B", "C", "D"], tiers.Select(t => t.GetProperty("tier").GetString()));
        foreach (var tier in tiers)
        {
            var cells = await page.Locator($"[data-table=pyramid] tr[data-tier={tier.GetProperty("tier").GetString()}] td").AllInnerTextsAsync();
            Assert.Equal(
                [
                    Count(tier.GetProperty("customers")),
                    Amount(tier.GetProperty("revenue"), currency),
                    Amount(tier.GetProperty("profit"), currency),
                    Percent(tier.GetProperty("profitShare")),
                    Percent(tier.GetProperty("meanChurnProbability")),
                    Count(tier.GetProperty("lossMaking")),
                    Count(tier.GetProperty("falseBigCustomers")),
                ],
                cells.Select(c => c.Trim()));
        }

        // The curve has a point per JSON point with a share (every percent here: more than 100 customers).
        var points = (await page.Locator("[data-chart=pareto]").GetAttributeAsync("points"))!.Split(' ');
        Assert.Equal(pareto.GetProperty("curve").EnumerateArray().Count(p => p.GetProperty("profitShare").ValueKind == JsonValueKind.Number), points.Length);
        await Chromium.ScreenshotAsync(page, "overview");
    }

    [SkippableFact]
    public async Task TheOverviewIsReadableAtTabletWidth()
    {
        var page = await app.NewPageAsync(width: 768, height: 1024);
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        await Expect(page.Locator("[data-table=pyramid]")).ToBeVisibleAsync();
        // Nothing but the pyramid's own scroll box may be wider than the window.
        var pageWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 768, $"The page is {pageWidth} px wide at a 768 px window.");
        await Chromium.ScreenshotAsync(page, "overview-tablet");
    }

    private static ILocator Figure(IPage page, string name) => page.Locator($"[data-figure={name}]");

    private static string Count(JsonElement value) => value.GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private static string Amount(JsonElement value, string? currency)
    {
        var text = value.GetDouble().ToString("N0", CultureInfo.InvariantCulture);
        text = text == "-0" ? "0" : text;
        return currency is null ? text : $"{text} {currency}";
    }

    private static string Percent(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? "–" : (value.GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

[Trait("Category", "Browser")]
public sealed class FreshStartTests(FreshWorkspace app) : IClassFixture<FreshWorkspace>
{
    [SkippableFact]
    public async Task BeforeAnyScoringRunTheOverviewSaysWhatToDoInsteadOfAnError()
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);
        using var summary = await marketing.GetAsync(new Uri("/api/v1/tiers/summary", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, summary.StatusCode);
        var title = JsonDocument.Parse(await summary.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString()!;

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        var response = await page.ReloadAsync();
        Assert.Equal(200, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-state=no-run]")).ToContainTextAsync("an admin starts a scoring run");
        await Expect(Figure(page)).ToHaveTextAsync(TestBundle.Instance.Version);
        await Chromium.ScreenshotAsync(page, "overview-fresh-start");
    }

    [SkippableFact]
    public async Task WhileNoRunHasSucceededTheOverviewSaysWhyTheLatestFailed()
    {
        using var admin = app.Client(ApiFactory.AdminKey);
        var last = TestBundle.Instance.Data.LastOrderDate;
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = last.AddDays(1) });
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("failed", run.GetProperty("status").GetString());

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        await Expect(page.Locator("[data-state=run-failed]")).ToContainTextAsync(run.GetProperty("error").GetString()!);
        await Expect(page.Locator("[data-state=no-run]")).ToBeVisibleAsync();
    }

    private static ILocator Figure(IPage page) => page.Locator("[data-figure=model-version]");
}

[Trait("Category", "Browser")]
public sealed class StartupScoringTests
{
    [SkippableFact]
    public async Task WithScoreOnStartAFreshStartScoresTheBaseOnceAndTheOverviewShowsItsPyramid()
    {
        await using var app = new WorkspaceApp(scored: false, new Dictionary<string, string?> { ["MlCustomer:Workspace:ScoreOnStart"] = "true" });
        await app.InitializeAsync();
        using var marketing = app.Client(ApiFactory.MarketingKey);
        JsonElement runs = default;
        for (var attempt = 0; attempt < 600; attempt++)
        {
            runs = await marketing.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/scoring-runs", UriKind.Relative));
            if (runs.GetArrayLength() == 1 && runs[0].GetProperty("status").GetString() is "succeeded" or "failed")
            {
                break;
            }

            await Task.Delay(50);
        }

        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("startup", run.GetProperty("requestedBy").GetString());

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        await Expect(page.Locator("[data-table=pyramid]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-figure=as-of-date]")).ToHaveTextAsync(run.GetProperty("asOfDate").GetString()!);
    }
}
