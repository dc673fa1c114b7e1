using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Tests.Data;
using static MlCustomer.Core.Tests.Console.ConsoleProcess;

namespace MlCustomer.Core.Tests.Console;

public sealed class MarginRateConsoleTests : IDisposable
{
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void MarginRateEstimatesCostForTransactionsWithoutACostColumnWithoutAMappingFile()
    {
        var transactions = files.WriteLines("t.csv",
            "customer_id,order_id,order_date,quantity,revenue",
            "c1,o1,2024-03-01,1,100", "c1,o2,2024-05-01,2,80", "c2,o3,2024-04-01,1,40", "c3,o4,2024-06-01,1,60");

        var refused = Run("features", "--transactions", transactions, "--no-labels", "--as-of", "2024-06-01", "--output", files.PathOf("f0.csv"));
        var estimated = Run("features", "--transactions", transactions, "--no-labels", "--as-of", "2024-06-01", "--margin-rate", "0.25", "--output", files.PathOf("f.csv"));
        var implausible = Run("features", "--transactions", transactions, "--no-labels", "--as-of", "2024-06-01", "--margin-rate", "25", "--output", files.PathOf("f2.csv"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--margin-rate 0.25", refused.Error, StringComparison.Ordinal);
        Assert.True(estimated.ExitCode == 0, estimated.Error + estimated.Output);
        Assert.Contains("cost column absent: cost of goods estimated from margin rates (default 25%, 0 categories configured)", estimated.Output, StringComparison.Ordinal);
        Assert.Equal(1, implausible.ExitCode);
        Assert.Contains("--margin-rate 25: the gross margin rate must be between -1 and 1", implausible.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainAndScoreWithMarginRateOnTransactionsWithoutACostColumnCountGrossProfitAsThatShareOfRevenue()
    {
        var data = files.PathOf("data");
        var generate = Run("generate", "--customers", "600", "--output", data);
        Assert.True(generate.ExitCode == 0, generate.Error);
        // The generated export without its cost column, as a shop system without cost of goods writes it.
        var lines = File.ReadAllLines(Path.Combine(data, "transactions.csv"));
        var cost = Array.IndexOf(lines[0].Split(','), "cost");
        Assert.True(cost > 0);
        var transactions = files.WriteLines("no-cost.csv", [.. lines.Select(l => string.Join(',', l.Split(',').Where((_, k) => k != cost)))]);
        var customers = Path.Combine(data, "customers.csv");
        var bundle = files.PathOf("bundle");

        var train = Run("train", "--transactions", transactions, "--customers", customers, "--margin-rate", "0.3", "--folds", "3", "--output", bundle);

        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("cost column absent: cost of goods estimated from margin rates (default 30%", train.Output, StringComparison.Ordinal);
        var card = ModelBundle.ReadCard(bundle);
        Assert.Contains(card.Data.Load.Notes, n => n.Contains("default 30%", StringComparison.Ordinal));
        // The card records the rate itself, so scoring can apply it (and refuse another).
        Assert.Equal(0.3, card.Data.Load.CostEstimate?.DefaultMarginRate);
        Assert.NotNull(card.LifetimeValue);
        Assert.NotNull(card.Tiers);

        var scores = files.PathOf("scores.csv");
        var score = Run("score", "--bundle", bundle, "--transactions", transactions, "--customers", customers, "--margin-rate", "0.3", "-o", scores);
        Assert.True(score.ExitCode == 0, score.Error + score.Output);
        var written = File.ReadAllLines(scores);
        var header = written[0].Split(',');
        var (grossProfit, revenue) = (Array.IndexOf(header, "gross_profit_last_365_days"), Array.IndexOf(header, "revenue_last_365_days"));
        var rows = written.Skip(1).Select(l => l.Split(',')).Where(c => c[revenue] is not ("" or "0")).ToList();
        Assert.NotEmpty(rows);
        // Every customer's gross profit is 30% of their revenue (to the cent the file is written in).
        Assert.All(rows, c => Assert.Equal(
            0.3 * double.Parse(c[revenue], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(c[grossProfit], System.Globalization.CultureInfo.InvariantCulture), 0.0101));

        // Without the rate the bundle's 30% applies: the same scores, byte for byte.
        var bundlesRate = files.PathOf("bundles-rate.csv");
        var withoutRate = Run("score", "--bundle", bundle, "--transactions", transactions, "--customers", customers, "-o", bundlesRate);
        Assert.True(withoutRate.ExitCode == 0, withoutRate.Error + withoutRate.Output);
        Assert.Equal(written, File.ReadAllLines(bundlesRate));

        // Another rate is refused by every command that scores with the bundle, naming both rates.
        var other = new[] { "--transactions", transactions, "--customers", customers, "--margin-rate", "0.25" };
        foreach (var (command, arguments) in new (string, string[])[]
        {
            ("score", ["-o", files.PathOf("refused.csv")]),
            ("targets", ["--budget", "100", "-o", files.PathOf("refused-targets.csv")]),
            ("evaluate", []),
            ("drift", []),
        })
        {
            var refused = Run([command, "--bundle", bundle, .. other, .. arguments]);
            Assert.True(refused.ExitCode == 1, $"{command}: {refused.Error}{refused.Output}");
            Assert.Contains($"--margin-rate 0.25 gives a 25% gross margin, but bundle {card.Version} was trained with cost of goods estimated at a 30% gross margin",
                refused.Error, StringComparison.Ordinal);
        }

        // And evaluate and drift apply the bundle's rate when none is given.
        foreach (var command in new[] { "evaluate", "drift" })
        {
            var applied = Run(command, "--bundle", bundle, "--transactions", transactions, "--customers", customers);
            Assert.True(applied.ExitCode is 0 or 2, $"{command}: {applied.Error}{applied.Output}");
        }
    }

    [Fact]
    public void ScoringAppliesTheTrainedRatesAndRefusesOthersNamingBoth()
    {
        var trained = new CostEstimate { DefaultMarginRate = 0.3, MarginRateByCategory = new() { ["Books"] = 0.4 } };

        Assert.Same(trained, CostEstimate.ForScoring(trained, null, "mlc-1", "--margin-rate"));
        Assert.Same(trained, CostEstimate.ForScoring(trained, new CostEstimate(), "mlc-1", "--margin-rate"));
        var same = new CostEstimate { DefaultMarginRate = 0.3, MarginRateByCategory = new() { ["Books"] = 0.4 } };
        Assert.Same(same, CostEstimate.ForScoring(trained, same, "mlc-1", "--margin-rate 0.3"));
        // A bundle trained on lines with cost takes what scoring gives (or nothing).
        Assert.Same(same, CostEstimate.ForScoring(null, same, "mlc-1", "--margin-rate 0.3"));
        Assert.Null(CostEstimate.ForScoring(null, null, "mlc-1", "--margin-rate"));

        var refused = Assert.Throws<ArgumentException>(() =>
            CostEstimate.ForScoring(trained, new CostEstimate { DefaultMarginRate = 0.3 }, "mlc-1", "--margin-rate 0.3"));
        Assert.Equal("--margin-rate 0.3 gives a 30% gross margin, but bundle mlc-1 was trained with cost of goods estimated at a 30% gross margin (Books 40%): " +
            "its profit features and predictions assume a 30% gross margin (Books 40%). Leave the margin rate out to apply the bundle's, or train a bundle with a 30% gross margin.",
            refused.Message);
        Assert.Equal(60, trained.CostOfGoods(100, "Books")!.Value, 9);
        Assert.Equal(70, trained.CostOfGoods(100, "Toys")!.Value, 9);
        Assert.Null(new CostEstimate { MarginRateByCategory = new() { ["Books"] = 0.4 } }.CostOfGoods(100, "Toys"));
    }

    [Fact]
    public void MarginRateKeepsTheMappingsOtherSettingsAndPerCategoryRates()
    {
        var mapping = new DataMapping
        {
            Currency = "GBP",
            CostEstimate = new CostEstimate { DefaultMarginRate = 0.1, MarginRateByCategory = new() { ["Books"] = 0.4 } },
        };

        var changed = mapping.WithDefaultMarginRate(0.25);

        Assert.Equal("GBP", changed.Currency);
        Assert.Equal(0.4, changed.CostEstimate.MarginRateFor("Books"));
        Assert.Equal(0.25, changed.CostEstimate.MarginRateFor("Toys"));
        Assert.Equal(0.1, mapping.CostEstimate.DefaultMarginRate);
    }
}
