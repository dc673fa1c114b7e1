using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Core.Tests.Scoring;

public sealed class PurchaseOutlookTests
{
    [Theory]
    [InlineData(0.0912, 40.4, 310.2, "likely to buy: 9%; if they buy, 40–310 EUR gross profit")]
    [InlineData(0.004, -3.2, 55, "likely to buy: under 1%; if they buy, −3 to 55 EUR gross profit")]
    [InlineData(0.996, 1200, 4810.6, "likely to buy: over 99%; if they buy, 1,200–4,811 EUR gross profit")]
    [InlineData(1, 10, 20, "likely to buy: 100%; if they buy, 10–20 EUR gross profit")]
    [InlineData(0.5, -0.2, 0.4, "likely to buy: 50%; if they buy, 0–0 EUR gross profit")]
    [InlineData(0.3, -1.4, 140.6, "likely to buy: 30%; if they buy, −1 to 141 EUR gross profit")]
    [InlineData(0.2, -1234.4, -3.6, "likely to buy: 20%; if they buy, −1,234 to −4 EUR gross profit")]
    public void TheSentenceSaysTheChanceInWholePercentAndTheAmountIfBuyingInWholeUnits(double probability, double low, double high, string expected)
    {
        var interval = new ValueInterval(0, 0, 0) { PurchaseProbability = probability, AmountIfBuyingP10 = low, AmountIfBuyingP90 = high };

        Assert.Equal(expected, PurchaseOutlook.Of(interval)!.Words("EUR"));
    }

    [Fact]
    public void AnIntervalWithoutTheTwoPartFiguresHasNoOutlookAndEmptyCells()
    {
        var onePart = new ValueInterval(0, 12.5, 80);

        Assert.Null(PurchaseOutlook.Of(onePart));
        Assert.Null(PurchaseOutlook.Of(null));
        Assert.Equal(["", "", ""], PurchaseOutlook.Cells(onePart).Select(c => c.ToCsv()));
        Assert.Equal(["purchase_probability", "gross_profit_if_buying_p10", "gross_profit_if_buying_p90"], PurchaseOutlook.CsvColumns());
    }

    [Fact]
    public void TheServedProbabilityIsTheStoredBasisPointsAndWithinHalfOfOneOfCoresValue()
    {
        var random = new Random(11);
        for (var i = 0; i < 10_000; i++)
        {
            var probability = random.NextDouble();
            var served = PurchaseOutlook.RoundProbability(probability);

            Assert.Equal(served, PurchaseOutlook.FromBasisPoints(PurchaseOutlook.BasisPoints(probability)));
            Assert.InRange(Math.Abs(served - probability), 0, 0.5 / 10_000 + 1e-15);
            // Written with 4 decimals, it reads back as the same double.
            Assert.Equal(served, double.Parse(served.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
