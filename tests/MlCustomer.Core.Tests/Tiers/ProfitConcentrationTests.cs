using MlCustomer.Core.Tiers;
using static MlCustomer.Core.Tests.Decisions.DecisionSamples;

namespace MlCustomer.Core.Tests.Tiers;

public sealed class ProfitConcentrationTests
{
    [Fact]
    public void TopShareAndCurveMatchTheHandComputedExample()
    {
        var result = ProfitConcentration.Compute([10, 100, 30, 50, 10]);

        Assert.Equal((5, 200.0, 1, 100.0), (result.Customers, result.TotalProfit, result.TopCustomers, result.TopProfit));
        Assert.Equal(0.5, result.TopProfitShare);
        Assert.Equal(
            [(0.0, 0.0), (0.2, 0.5), (0.4, 0.75), (0.6, 0.9), (0.8, 0.95), (1.0, 1.0)],
            result.Curve.Select(p => (Math.Round(p.CustomerShare, 10), Math.Round(p.ProfitShare!.Value, 10))));
        Assert.Equal("the top 20% of customers (1 of 5) bring 50.0% of the profit (100.00 of 200.00)", result.Describe());
    }

    [Fact]
    public void LossMakersCanMakeTheTopBringMoreThanAllTheProfit()
    {
        var result = ProfitConcentration.Compute([300, 100, -200, 0, 0]);

        Assert.Equal(1.5, result.TopProfitShare);
    }

    [Fact]
    public void SharesAreUndefinedWhenTotalProfitIsNotPositive()
    {
        var result = ProfitConcentration.Compute([100, -100]);

        Assert.Null(result.TopProfitShare);
        Assert.All(result.Curve, p => Assert.Null(p.ProfitShare));
        Assert.Contains("shares are undefined", result.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void LargePopulationsGetAHundredAndOneCurvePoints()
    {
        var result = ProfitConcentration.Compute(Enumerable.Range(1, 1_234).Select(i => (double)i));

        Assert.Equal(101, result.Curve.Count);
        Assert.Equal((0.0, 1.0), (result.Curve[0].CustomerShare, result.Curve[^1].CustomerShare));
        Assert.Equal(1.0, result.Curve[^1].ProfitShare!.Value, 12);
        Assert.True(result.Curve.Zip(result.Curve.Skip(1)).All(p => p.Second.CustomerShare > p.First.CustomerShare));
    }

    [Fact]
    public void NoCustomersGiveAnEmptyView()
    {
        var result = ProfitConcentration.Compute(Array.Empty<double>());

        Assert.Equal((0, 0.0), (result.Customers, result.TotalProfit));
        Assert.Single(result.Curve);
    }

    [Fact]
    public void PyramidFromDecisionsSumsEachTier()
    {
        var decisions = new[]
        {
            Decision("1", ProfitTier.A, profit: 800, revenue: 3_000, churnProbability: 0.1),
            Decision("2", ProfitTier.A, profit: 600, revenue: 9_000, churnProbability: 0.3, falseBig: true),
            Decision("3", ProfitTier.B, profit: 200, revenue: 1_000, churnProbability: 0.5),
            Decision("4", ProfitTier.D, profit: -100, revenue: 400, churnProbability: 0.9),
        };

        var result = ProfitConcentration.Compute(decisions);

        Assert.Equal(4, result.Tiers.Count);
        Assert.Equal(new TierSummary(ProfitTier.A, 2, 0.5, 12_000, 1_400, 1_400.0 / 1_500, 0.2, 0, 1), result.Tiers[0] with { MeanChurnProbability = Math.Round(result.Tiers[0].MeanChurnProbability!.Value, 10) });
        Assert.Equal(new TierSummary(ProfitTier.C, 0, 0, 0, 0, 0, null, 0, 0), result.Tiers[2]);
        Assert.Equal((1, -100.0), (result.Tiers[3].LossMaking, result.Tiers[3].Profit));
        Assert.Equal(800.0 / 1_500, result.TopProfitShare);
    }
}
