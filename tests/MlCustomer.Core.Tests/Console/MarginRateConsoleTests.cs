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
