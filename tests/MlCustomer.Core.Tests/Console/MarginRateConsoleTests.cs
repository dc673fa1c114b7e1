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

        // Without the rate the same file is refused with the option to use.
        var refused = Run("score", "--bundle", bundle, "--transactions", transactions, "--customers", customers, "-o", files.PathOf("refused.csv"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--margin-rate 0.25", refused.Error, StringComparison.Ordinal);
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
