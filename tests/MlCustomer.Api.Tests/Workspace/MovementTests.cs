using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

/// <summary>A workspace with two succeeded runs: the current one at the data's end and a backfill 120 days earlier.</summary>
public sealed class TwoRunsWorkspace() : WorkspaceApp(scored: true)
{
    /// <summary>The earlier run's id.</summary>
    public string EarlierRunId { get; private set; } = "";

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = Client(ApiFactory.AdminKey);
        var earlier = TestBundle.Instance.Data.LastOrderDate.AddDays(-120);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = earlier });
        started.EnsureSuccessStatusCode();
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        EarlierRunId = run.GetProperty("id").GetString()!;
    }
}

[Trait("Category", "Browser")]
public sealed class MovementTests(TwoRunsWorkspace app) : IClassFixture<TwoRunsWorkspace>
{
    [SkippableFact]
    public async Task ByDefaultTheCurrentRunIsComparedWithThePreviousAndThePageShowsTheJsonsMatrixAndCategories()
    {
        var json = await app.GetJsonAsync("/api/v1/movement", ApiFactory.MarketingKey);
        Assert.Equal(app.RunId, json.GetProperty("toRunId").GetString());
        Assert.Equal(app.EarlierRunId, json.GetProperty("fromRunId").GetString());
        var migration = json.GetProperty("migration").EnumerateArray().ToList();
        Assert.Equal(16, migration.Count);
        var categories = json.GetProperty("categories").EnumerateArray().ToList();
        Assert.Equal(json.GetProperty("customers").GetInt32(), categories.Sum(c => c.GetProperty("customers").GetInt32()));

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Movement", Exact = true }).ClickAsync();

        await Expect(page.Locator("[data-figure=from-run]")).ToHaveTextAsync(app.EarlierRunId);
        await Expect(page.Locator("[data-figure=to-run]")).ToHaveTextAsync(app.RunId!);
        await Expect(page.Locator("[data-figure=customers]")).ToHaveTextAsync(Count(json.GetProperty("customers").GetInt32()));
        foreach (var cell in migration)
        {
            var (from, to) = (cell.GetProperty("fromTier").GetString(), cell.GetProperty("toTier").GetString());
            var td = page.Locator($"[data-table=migration] tr[data-from={from}] td[data-to={to}]");
            await Expect(td.Locator("[data-figure=count]")).ToHaveTextAsync(Count(cell.GetProperty("customers").GetInt32()));
            if (cell.GetProperty("customers").GetInt32() > 0)
            {
                await Expect(td.Locator("[data-figure=profit]")).ToHaveTextAsync(
                    $"{Amount(cell.GetProperty("profitBefore").GetDouble())} → {Amount(cell.GetProperty("profitAfter").GetDouble())}");
            }
        }

        foreach (var category in categories)
        {
            var row = page.Locator($"[data-table=categories] tr[data-category={category.GetProperty("category").GetString()}] td").First;
            await Expect(row).ToHaveTextAsync(Count(category.GetProperty("customers").GetInt32()));
        }

        await Chromium.ScreenshotAsync(page, "movement");

        // A category is clickable to its customers, the JSON list's first page.
        var loyal = categories.Single(c => c.GetProperty("category").GetString() == "loyal");
        Assert.True(loyal.GetProperty("customers").GetInt32() > 0);
        var list = await app.GetJsonAsync("/api/v1/movement/customers?category=loyal&pageSize=50", ApiFactory.MarketingKey);
        await page.Locator("[data-table=categories] tr[data-category=loyal] a").ClickAsync();
        await Expect(page.Locator("[data-figure=total]")).ToHaveTextAsync(Count(loyal.GetProperty("customers").GetInt32()));
        Assert.Equal(
            list.GetProperty("customers").EnumerateArray().Select(c => c.GetProperty("customerId").GetString()),
            (await page.Locator("[data-table=movement-customers] tbody th").AllInnerTextsAsync()).Select(t => t.Trim()));
        await Chromium.ScreenshotAsync(page, "movement-customers");
    }

    [SkippableFact]
    public async Task AMatrixCellListsItsCustomersAndTheRunPickerSwapsTheRuns()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await page.GotoAsync("/movement");

        var cell = (await app.GetJsonAsync("/api/v1/movement", ApiFactory.MarketingKey)).GetProperty("migration").EnumerateArray()
            .First(c => c.GetProperty("customers").GetInt32() > 0 && c.GetProperty("fromTier").GetString() != c.GetProperty("toTier").GetString());
        var (from, to) = (cell.GetProperty("fromTier").GetString(), cell.GetProperty("toTier").GetString());
        await page.Locator($"[data-table=migration] tr[data-from={from}] td[data-to={to}] a").ClickAsync();
        await Expect(page.Locator("[data-figure=total]")).ToHaveTextAsync(Count(cell.GetProperty("customers").GetInt32()));
        var befores = await page.Locator("[data-table=movement-customers] tbody td:nth-child(3)").AllInnerTextsAsync();
        var afters = await page.Locator("[data-table=movement-customers] tbody td:nth-child(4)").AllInnerTextsAsync();
        Assert.All(befores, t => Assert.Equal(from, t.Trim()));
        Assert.All(afters, t => Assert.Equal(to, t.Trim()));

        // Swapped runs through the picker: the page shows what the JSON says for the same pair.
        await page.GotoAsync("/movement");
        await page.GetByLabel("Earlier run").SelectOptionAsync(app.RunId!);
        await page.GetByLabel("Later run").SelectOptionAsync(app.EarlierRunId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        var swapped = await app.GetJsonAsync($"/api/v1/movement?from={app.RunId}&to={app.EarlierRunId}", ApiFactory.MarketingKey);
        await Expect(page.Locator("[data-figure=from-run]")).ToHaveTextAsync(app.RunId!);
        var gone = swapped.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == "declining");
        await Expect(page.Locator("[data-table=categories] tr[data-category=declining] td").First).ToHaveTextAsync(Count(gone.GetProperty("customers").GetInt32()));

        // Tablet width: the matrix scrolls in its own box, never the page.
        await page.SetViewportSizeAsync(768, 1024);
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 768);
    }

    [SkippableFact]
    public async Task TheJsonRefusesTheSameRunTwiceAnUnknownRunAndAListWithoutCategoryOrCell()
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);
        using var same = await marketing.GetAsync(new Uri($"/api/v1/movement?from={app.RunId}&to={app.RunId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        using var unknown = await marketing.GetAsync(new Uri("/api/v1/movement?from=nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var neither = await marketing.GetAsync(new Uri("/api/v1/movement/customers?fromTier=A", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
        using var badCategory = await marketing.GetAsync(new Uri("/api/v1/movement/customers?category=asleep", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badCategory.StatusCode);

        var first = await app.GetJsonAsync("/api/v1/movement/customers?category=loyal&pageSize=5", ApiFactory.MarketingKey);
        var second = await app.GetJsonAsync("/api/v1/movement/customers?category=loyal&pageSize=5&page=2", ApiFactory.MarketingKey);
        Assert.Equal(5, first.GetProperty("customers").GetArrayLength());
        Assert.True(first.GetProperty("hasMore").GetBoolean());
        Assert.True(string.CompareOrdinal(
            first.GetProperty("customers")[4].GetProperty("customerId").GetString(),
            second.GetProperty("customers")[0].GetProperty("customerId").GetString()) < 0);
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Amount(double value)
    {
        var text = value.ToString("N0", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }
}

[Trait("Category", "Browser")]
public sealed class OneRunMovementTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [SkippableFact]
    public async Task WithOnlyOneRunTheMovementPageSaysSoPlainly()
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);
        using var json = await marketing.GetAsync(new Uri("/api/v1/movement", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        var title = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString()!;
        Assert.Equal("Only one scoring run has succeeded", title);

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        var response = await page.GotoAsync("/movement");
        Assert.Equal(200, response!.Status);
        await Expect(page.Locator("[data-state=no-movement]")).ToContainTextAsync(title);
        await Expect(page.Locator("[data-state=no-movement]")).ToContainTextAsync("only one has succeeded so far");
        await Chromium.ScreenshotAsync(page, "movement-one-run");
    }
}
