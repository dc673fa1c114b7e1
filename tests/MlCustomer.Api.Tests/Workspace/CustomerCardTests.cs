using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

[Trait("Category", "Browser")]
public sealed class CustomerCardTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [SkippableFact]
    public async Task TheCustomerSearchPagesThroughTheIdsThatStartWithWhatWasTypedAsTheJsonSearchDoes()
    {
        var first = await app.GetJsonAsync("/api/v1/customers?prefix=C001&page=1&pageSize=20", ApiFactory.MarketingKey);
        var second = await app.GetJsonAsync("/api/v1/customers?prefix=C001&page=2&pageSize=20", ApiFactory.MarketingKey);
        Assert.True(first.GetProperty("hasMore").GetBoolean());
        var firstIds = Ids(first);
        Assert.Equal(20, firstIds.Count);
        Assert.All(firstIds, id => Assert.StartsWith("C001", id, StringComparison.Ordinal));
        Assert.Equal(firstIds.Order(StringComparer.Ordinal), firstIds);
        Assert.True(string.CompareOrdinal(firstIds[^1], Ids(second)[0]) < 0, "page 2 continues after page 1");

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Customers", Exact = true }).ClickAsync();
        await page.GetByLabel("Customer id").FillAsync("C001");
        await page.GetByLabel("Customer id").PressAsync("Enter");

        await Expect(page.Locator("[data-table=customers] tbody tr")).ToHaveCountAsync(20);
        Assert.Equal(firstIds, (await page.Locator("[data-table=customers] tbody th").AllInnerTextsAsync()).Select(t => t.Trim()));
        var row = first.GetProperty("customers")[0];
        var cells = await page.Locator("[data-table=customers] tbody tr").First.Locator("td").AllInnerTextsAsync();
        Assert.Equal(row.GetProperty("tier").GetString(), cells[0].Trim());
        Assert.Equal(Percent(row.GetProperty("churnProbability").GetDouble()), cells[3].Trim());
        await Chromium.ScreenshotAsync(page, "customer-search");

        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Expect(page.Locator("[data-table=customers] tbody th").First).ToHaveTextAsync(Ids(second)[0]);
        Assert.Equal(Ids(second), (await page.Locator("[data-table=customers] tbody th").AllInnerTextsAsync()).Select(t => t.Trim()));
    }

    [SkippableFact]
    public async Task AWholeIdOpensTheCardWithEveryFigureTheJsonCustomerServes()
    {
        const string id = "C00042";
        var json = await app.GetJsonAsync($"/api/v1/customers/{id}", ApiFactory.MarketingKey);
        var currency = (await app.GetJsonAsync("/api/v1/models", ApiFactory.MarketingKey)).GetProperty("currency").GetString();
        var decision = json.GetProperty("decision");
        var history = json.GetProperty("history");

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GotoAsync("/customers");
        await page.GetByLabel("Customer id").FillAsync(id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/customers/{id}$"));
        await Expect(Figure(page, "customer-id")).ToHaveTextAsync(id);
        await Expect(Figure(page, "run-id")).ToHaveTextAsync(json.GetProperty("runId").GetString()!);
        await Expect(Figure(page, "as-of-date")).ToHaveTextAsync(json.GetProperty("asOfDate").GetString()!);
        await Expect(Figure(page, "tier")).ToHaveTextAsync(decision.GetProperty("tier").GetString()!);
        await Expect(Figure(page, "predicted-tier")).ToHaveTextAsync(decision.GetProperty("predictedTier").GetString()!);
        await Expect(Figure(page, "lifecycle-stage")).ToHaveTextAsync(decision.GetProperty("lifecycleStage").GetString()!);
        await Expect(Figure(page, "segment")).ToHaveTextAsync(json.GetProperty("segmentName").GetString()!);
        await Expect(Figure(page, "churn-probability")).ToHaveTextAsync(Percent(json.GetProperty("churnProbability").GetDouble()));
        await Expect(Figure(page, "predicted-profit")).ToHaveTextAsync(Amount(decision.GetProperty("predictedProfit").GetDouble(), currency));
        await Expect(Figure(page, "value-at-risk")).ToHaveTextAsync(Amount(decision.GetProperty("valueAtRisk").GetDouble(), currency));
        await Expect(Figure(page, "action")).ToHaveTextAsync(decision.GetProperty("recommendedAction").GetString()!);
        await Expect(Figure(page, "action-description")).ToHaveTextAsync(decision.GetProperty("actionDescription").GetString()!);
        await Expect(Figure(page, "revenue-365")).ToHaveTextAsync(Amount(history.GetProperty("revenueLast365Days").GetDouble(), currency));
        await Expect(Figure(page, "profit-365")).ToHaveTextAsync(Amount(decision.GetProperty("profitLast365Days").GetDouble(), currency));
        await Expect(Figure(page, "purchase-days")).ToHaveTextAsync(history.GetProperty("purchaseDays").GetDouble().ToString("N0", CultureInfo.InvariantCulture));
        Assert.Equal(
            decision.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()),
            (await page.Locator("[data-list=rule-reasons] li").AllInnerTextsAsync()).Select(t => t.Trim()));
        Assert.Equal(
            json.GetProperty("churnReasons").EnumerateArray().Select(r => r.GetProperty("feature").GetString()),
            (await page.Locator("[data-table=churn-reasons] tbody th").AllInnerTextsAsync()).Select(t => t.Trim()));
        Assert.Equal(
            json.GetProperty("valueReasons").EnumerateArray().Select(r => r.GetProperty("feature").GetString()),
            (await page.Locator("[data-table=value-reasons] tbody th").AllInnerTextsAsync()).Select(t => t.Trim()));

        // The reasons in words and the explanation's ends, as the JSON serves them (TreeSHAP: they add up).
        Assert.Equal(
            json.GetProperty("churnReasons").EnumerateArray().Select(r => r.GetProperty("sentence").GetString()),
            (await page.Locator("[data-table=churn-reasons] tbody [data-sentence]").AllInnerTextsAsync()).Select(t => t.Trim()));
        var churnExplanation = json.GetProperty("churnExplanation");
        await Expect(Figure(page, "churn-reasons-baseline")).ToHaveTextAsync(
            (churnExplanation.GetProperty("baseline").GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        var churnSum = churnExplanation.GetProperty("baseline").GetDouble() + churnExplanation.GetProperty("allOther").GetDouble()
            + json.GetProperty("churnReasons").EnumerateArray().Sum(r => r.GetProperty("contribution").GetDouble());
        Assert.Equal(json.GetProperty("churnProbability").GetDouble(), churnSum, 9);

        // The 80% intervals of the stored predictions, from the scoring bundle's calibration, as the JSON serves them.
        foreach (var (property, figure) in new[] { ("grossProfitInterval", "gross-profit-interval"), ("revenueInterval", "revenue-interval") })
        {
            var interval = json.GetProperty(property);
            var (p10, p50, p90) = (interval.GetProperty("p10").GetDouble(), interval.GetProperty("p50").GetDouble(), interval.GetProperty("p90").GetDouble());
            Assert.True(p10 <= p50 && p50 <= p90, $"{property}: {interval}");
            await Expect(Figure(page, figure)).ToHaveTextAsync($"P10 {Amount(p10, null)} · P50 {Amount(p50, null)} · P90 {Amount(p90, currency)}");
        }

        await Chromium.ScreenshotAsync(page, "customer-card");

        // Tablet width: nothing wider than the window.
        await page.SetViewportSizeAsync(768, 1024);
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 768);
    }

    [SkippableFact]
    public async Task AnUnknownIdGetsAClearMessageNotAnError()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        var response = await page.GotoAsync("/customers/NOBODY-42");
        Assert.Equal(404, response!.Status);
        await Expect(page.Locator("[data-state=unknown-customer]")).ToContainTextAsync("No stored scores for this customer");
        await Expect(page.Locator("[data-state=unknown-customer]")).ToContainTextAsync("'NOBODY-42'");

        await page.GotoAsync("/customers?id=ZZZ");
        await Expect(page.Locator("[data-state=no-customer]")).ToContainTextAsync("No customer id starts with “ZZZ”");
    }

    [SkippableFact]
    public async Task TheJsonSearchRefusesABadPageAndAnswersAMarketingKey()
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);
        using var bad = await marketing.GetAsync(new Uri("/api/v1/customers?pageSize=0&page=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("pageSize", out _));
        Assert.True(errors.TryGetProperty("page", out _));

        var all = await app.GetJsonAsync("/api/v1/customers?pageSize=100&page=15", ApiFactory.MarketingKey);
        Assert.Equal(100, all.GetProperty("customers").GetArrayLength());
        Assert.False(all.GetProperty("hasMore").GetBoolean());
        Assert.Equal("C01500", Ids(all)[^1]);

        using var anonymous = app.Client(null);
        using var refused = await anonymous.GetAsync(new Uri("/api/v1/customers?prefix=C", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static List<string> Ids(JsonElement search) =>
        [.. search.GetProperty("customers").EnumerateArray().Select(c => c.GetProperty("customerId").GetString()!)];

    private static ILocator Figure(IPage page, string name) => page.Locator($"[data-figure={name}]");

    private static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Amount(double value, string? currency)
    {
        var text = value.ToString("N0", CultureInfo.InvariantCulture);
        text = text == "-0" ? "0" : text;
        return currency is null ? text : $"{text} {currency}";
    }
}
