using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Scoring;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

/// <summary>The workspace on the committed bundle and data, after one scoring run at the data's last order date.</summary>
public sealed class CommittedWorkspace() : WorkspaceApp(scored: false, CommittedData.Settings(CommittedData.NewRoot()))
{
    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = Client(ApiFactory.AdminKey);
        using var started = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(
            admin, new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = CommittedData.Instance.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        started.EnsureSuccessStatusCode();
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
    }
}

/// <summary>
/// What a marketer sees of the purchase outlook: on the customer card of a likely non-buyer (whose gross profit interval is
/// [0, 0]) and on the planner's rows, the sentence Core writes of the figures the run stored, as the JSON serves them.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PurchaseOutlookPageTests(CommittedWorkspace app) : IClassFixture<CommittedWorkspace>
{
    [SkippableFact]
    public async Task TheCardOfALikelyNonBuyerSaysTheChanceOfBuyingAndTheGrossProfitIfTheyDo()
    {
        var committed = CommittedData.Instance;
        var score = committed.Sample(each: 1)[0];
        var expected = PurchaseOutlook.Of(score.GrossProfitInterval)!;
        var json = await app.GetJsonAsync($"/api/v1/customers/{score.CustomerId}", ApiFactory.MarketingKey);
        var outlook = json.GetProperty("purchaseOutlook");
        Assert.Equal(expected.Words(committed.Currency), outlook.GetProperty("inWords").GetString());

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GotoAsync($"/customers/{score.CustomerId}");
        await Expect(Figure(page, "gross-profit-interval")).ToHaveTextAsync($"P10 0 · P50 0 · P90 0 {committed.Currency}");
        await Expect(Figure(page, "purchase-outlook")).ToHaveTextAsync(expected.Words(committed.Currency));
        await Expect(Figure(page, "purchase-outlook")).ToHaveAttributeAsync(
            "data-purchase-probability", expected.PurchaseProbability.ToString("0.####", CultureInfo.InvariantCulture));
        Assert.StartsWith("likely to buy: ", expected.Words(committed.Currency), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(page, "customer-card-purchase-outlook");
    }

    [SkippableFact]
    public async Task EachPlannerRowSaysThePurchaseOutlookTheTargetsServe()
    {
        var json = await app.GetJsonAsync("/api/v1/retention/targets?budget=1000000&pageSize=50", ApiFactory.MarketingKey);
        var targets = json.GetProperty("targets").EnumerateArray().ToList();
        Assert.NotEmpty(targets);

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GotoAsync("/planner?budget=1000000");
        var outlooks = page.Locator("[data-table=targets] tbody tr [data-figure=purchase-outlook]");
        await Expect(outlooks).ToHaveCountAsync(Math.Min(50, targets.Count));
        var shown = await outlooks.AllInnerTextsAsync();
        for (var i = 0; i < shown.Count; i++)
        {
            var outlook = targets[i].GetProperty("purchaseOutlook");
            Assert.Equal(JsonValueKind.Object, outlook.ValueKind);
            Assert.Equal(outlook.GetProperty("inWords").GetString(), shown[i].Trim());
            var score = CommittedData.Instance.Scores[targets[i].GetProperty("customerId").GetString()!];
            Assert.Equal(PurchaseOutlook.Of(score.GrossProfitInterval)!.Words(CommittedData.Instance.Currency), shown[i].Trim());
        }
    }

    [SkippableFact]
    public async Task ThePlannersXlsxExportHoldsEachTargetsPurchaseProbabilityAndGrossProfitIfBuyingAsNumbers()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GotoAsync("/planner?budget=1000000");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export XLSX" }).ClickAsync());
        await using var file = File.OpenRead((await download.PathAsync())!);
        var sheet = XlsxWorkbook.FirstSheet(file);

        var header = sheet[0].Select(c => c.Text).ToList();
        var (id, probability, low, high) = (header.IndexOf("customer_id"), header.IndexOf("purchase_probability"),
            header.IndexOf("gross_profit_if_buying_p10"), header.IndexOf("gross_profit_if_buying_p90"));
        Assert.True(sheet.Count > 1, "the plan chose nobody");
        foreach (var row in sheet.Skip(1))
        {
            var outlook = PurchaseOutlook.Of(CommittedData.Instance.Scores[row[id].Text!].GrossProfitInterval)!;
            Assert.Equal(outlook.PurchaseProbability, row[probability].Number);
            Assert.Equal(Math.Round(outlook.IfBuyingP10, 2), row[low].Number);
            Assert.Equal(Math.Round(outlook.IfBuyingP90, 2), row[high].Number);
        }
    }

    private static ILocator Figure(IPage page, string name) => page.Locator($"[data-figure={name}]");
}
