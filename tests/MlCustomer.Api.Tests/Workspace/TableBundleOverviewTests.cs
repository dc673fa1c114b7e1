using System.Text;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

/// <summary>
/// The workspace serving a bundle trained on a customer table (no order history: no segments, no profit tiers): the
/// overview says what the bundle cannot give, in GET /models' words, and does not send the reader to start a scoring run
/// that would be refused.
/// </summary>
[Trait("Category", "Browser")]
public sealed class TableBundleOverviewTests(TableBundleWorkspace app) : IClassFixture<TableBundleWorkspace>
{
    [SkippableFact]
    public async Task TheOverviewSaysSegmentsAndProfitTiersAreNotAvailableAsTheModelsEndpointDoes()
    {
        var model = await app.GetJsonAsync("/api/v1/models", ApiFactory.MarketingKey);
        Assert.Equal("customer-table", model.GetProperty("inputKind").GetString());
        var reason = model.GetProperty("notAvailable").GetProperty("reason").GetString()!;

        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);

        await Expect(page.Locator("[data-figure=model-version]")).ToHaveTextAsync(model.GetProperty("version").GetString()!);
        await Expect(page.Locator("[data-figure=model-not-available]")).ToHaveTextAsync(reason);
        await Expect(page.Locator("[data-figure=model-not-available]")).ToContainTextAsync("Segments and profit tiers are not available");
        await Expect(page.Locator("[data-state=no-pyramid]")).ToContainTextAsync("POST /api/v1/scores/csv");
        // No advice to start a run: the API refuses runs for this bundle.
        await Expect(page.Locator("[data-state=no-run]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-table=pyramid]")).ToHaveCountAsync(0);
        await Chromium.ScreenshotAsync(page, "overview-table-bundle");
    }
}

/// <summary>A workspace serving a churn bundle the console trained on a small customer table (a contract table with a Yes/No label).</summary>
public sealed class TableBundleWorkspace() : WorkspaceApp(scored: false, new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = TrainedBundle.Value })
{
    private static readonly Lazy<string> TrainedBundle = new(Train);

    // The built training console, run as a user would: `train --table` on the table tests' contract table.
    private static string Train()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "table-workspace", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var table = Path.Combine(folder, "contracts.csv");
        File.WriteAllText(table, TrainingConsole.ContractTable(400), new UTF8Encoding(false));
        var bundle = Path.Combine(folder, "bundle");
        var train = TrainingConsole.Run("train", "--table", table, "--id", "customerID", "--label", "Churn", "--folds", "2", "--output", bundle);
        return train.ExitCode == 0 ? bundle : throw new InvalidOperationException($"Training the table bundle failed: {train.Error}{train.Output}");
    }
}
