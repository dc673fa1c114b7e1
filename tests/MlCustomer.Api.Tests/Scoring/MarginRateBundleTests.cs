using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;

namespace MlCustomer.Api.Tests.Scoring;

/// <summary>
/// A bundle whose training estimated cost of goods from a margin rate (<c>train --margin-rate 0.3</c> records it in the
/// card's load report): the API costs order lines without cost with that rate, in <c>/scores</c> histories and in
/// scoring runs, and refuses a configured rate that differs, naming both.
/// </summary>
public sealed class MarginRateBundleTests : IDisposable
{
    private const double TrainedRate = 0.3;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "margin-rate", Guid.NewGuid().ToString("N"));
    private readonly string bundle;
    private readonly string version;

    public MarginRateBundleTests()
    {
        // The test bundle's models with the card a --margin-rate 0.3 training writes (the console test checks that
        // training writes it), under the version its files then give.
        bundle = Path.Combine(folder, "bundle");
        var original = TestBundle.Instance.CopyTo(bundle);
        var cardPath = Path.Combine(bundle, ModelBundle.CardFile);
        var card = JsonNode.Parse(File.ReadAllText(cardPath))!;
        card["data"]!["load"]!["costEstimate"] = JsonSerializer.SerializeToNode(new CostEstimate { DefaultMarginRate = TrainedRate }, ModelBundle.CardJson);
        File.WriteAllText(cardPath, card.ToJsonString(ModelBundle.CardJson));
        version = BundleVersion.OfFolder(bundle);
        File.WriteAllText(cardPath, File.ReadAllText(cardPath).Replace(original, version, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task HistoryLinesWithoutCostAreCostedWithTheBundlesRateAndAnotherConfiguredRateIsRefusedNamingBoth()
    {
        var customerId = TestBundle.Instance.Data.Customers![0].CustomerId;
        var withCost = Requests.HistoryOf(customerId);
        var withoutCost = Requests.HistoryOf(customerId);
        foreach (var line in withCost["transactions"]!.AsArray().Zip(withoutCost["transactions"]!.AsArray()))
        {
            // The cost the bundle's rate gives, written out: both histories must score alike.
            line.First![TransactionColumns.Cost] = line.First[TransactionColumns.Revenue]!.GetValue<double>() * (1 - TrainedRate);
            line.Second!.AsObject().Remove(TransactionColumns.Cost);
        }

        var request = new JsonObject
        {
            ["customers"] = new JsonArray(
                new JsonObject { ["customerId"] = "with-cost", ["history"] = withCost },
                new JsonObject { ["customerId"] = "without-cost", ["history"] = withoutCost }),
        };

        using (var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = bundle }, withBundle: false))
        {
            await factory.WaitUntilReadyAsync();
            using var client = factory.ClientWith(ApiFactory.ScorerKey);
            using var response = await client.ScoreAsync(request.DeepClone());
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var scored = JsonNode.Parse(body)!["customers"]!.AsArray();
            Assert.Equal(scored[0]!["churnProbability"]!.GetValue<double>(), scored[1]!["churnProbability"]!.GetValue<double>(), 12);
            Assert.Equal(scored[0]!["predictedGrossProfit"]?.GetValue<double>(), scored[1]!["predictedGrossProfit"]?.GetValue<double>());
            // A transactional answer carries its value at risk in the decision only, as before.
            Assert.False(scored[0]!.AsObject().ContainsKey("valueAtRisk"), body);
            Assert.NotNull(scored[0]!["decision"]?["valueAtRisk"]);
            var warnings = scored[1]!["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
            Assert.Contains($"cost of goods estimated at a 30% gross margin for lines without cost (the margin rate model {version} was trained with)", warnings);
        }

        var configured = new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = bundle, ["MlCustomer:Scoring:EstimatedMarginRate"] = "0.25" };
        using (var factory = ApiFactory.With(configured, withBundle: false))
        {
            await factory.WaitUntilReadyAsync();
            using var client = factory.ClientWith(ApiFactory.ScorerKey);
            using var response = await client.ScoreAsync(request.DeepClone());
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.Contains(
                $"the setting MlCustomer:Scoring:EstimatedMarginRate (0.25) gives a 25% gross margin, but bundle {version} was trained with cost of goods estimated at a 30% gross margin",
                body, StringComparison.Ordinal);
            // Lines that carry their cost need no rate: only the history without cost is refused.
            Assert.DoesNotContain("customers[0]", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AScoringRunCostsAnExportWithoutACostColumnWithTheBundlesRate()
    {
        // The test data's transactions without their cost column, as a shop system without cost of goods exports them.
        var lines = File.ReadAllLines(TestBundle.Instance.TransactionsFile);
        var cost = Array.IndexOf(lines[0].Split(','), TransactionColumns.Cost);
        Assert.True(cost > 0);
        var transactions = Path.Combine(folder, "transactions-without-cost.csv");
        File.WriteAllLines(transactions, lines.Select(l => string.Join(',', l.Split(',').Where((_, k) => k != cost))));
        var settings = new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = bundle, ["MlCustomer:TransactionsPath"] = transactions };

        using var factory = ApiFactory.With(settings, withBundle: false);
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2025-06-30" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = await admin.WaitForRunAsync(started.Headers.Location!);

        // Without the bundle's rate the loader refuses a file without cost; with it, every customer is scored.
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        Assert.True(run.GetProperty("customersScored").GetInt64() > 1_000);
        using var reader = factory.ClientWith(ApiFactory.ScorerKey);
        // A customer who bought in the year before the as-of date: their gross profit is the bundle's 30% of revenue.
        var customerId = TestBundle.Instance.Data.Transactions.Where(t => t.OrderDate <= new DateOnly(2025, 6, 30)).MaxBy(t => t.OrderDate)!.CustomerId;
        var customer = await reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        var history = customer.GetProperty("history");
        var revenue = history.GetProperty("revenueLast365Days").GetDouble();
        var grossProfit = history.GetProperty("grossProfitLast365Days").GetDouble();
        Assert.True(revenue > 0, customer.ToString());
        Assert.Equal(TrainedRate * revenue, grossProfit, 0.01);

        // A server configured with another rate fails the run, naming both rates, rather than scoring with a mix.
        using var other = ApiFactory.With(new Dictionary<string, string?>(settings) { ["MlCustomer:Scoring:EstimatedMarginRate"] = "0.25" }, withBundle: false);
        await other.WaitUntilReadyAsync();
        using var otherAdmin = other.ClientWith(ApiFactory.AdminKey);
        using var refused = await otherAdmin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2025-06-30" });
        Assert.Equal(HttpStatusCode.Accepted, refused.StatusCode);
        var failed = await otherAdmin.WaitForRunAsync(refused.Headers.Location!);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains($"gives a 25% gross margin, but bundle {version} was trained with cost of goods estimated at a 30% gross margin",
            failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
