using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class RegressionMetricsTests
{
    [Fact]
    public void ErrorsAndRSquaredMatchTheHandComputedExample()
    {
        var result = RegressionMetrics.Compute([1, 2, 3, 4], [1, 3, 2, 6]);

        Assert.Equal(1, result.Mae, 12);                   // |0| + |−1| + |1| + |−2| over 4
        Assert.Equal(Math.Sqrt(1.5), result.Rmse, 12);     // (0 + 1 + 1 + 4) / 4
        Assert.Equal(1 - (6.0 / 14), result.RSquared!.Value, 12); // SS_total = 4 + 0 + 1 + 9
        Assert.Equal(12, result.TotalActual);
        Assert.Equal(3, result.MeanActual);
        Assert.Equal(2.5, result.MeanPredicted);
    }

    [Fact]
    public void NormalizedGiniMatchesGooglesGainCurveDefinition()
    {
        // By prediction: 6, 2, 3, 1 → gain 6/12, 8/12, 11/12, 12/12 → raw 2 × 37/48 − 1 = 26/48.
        // By actual:     6, 3, 2, 1 → gain 6/12, 9/12, 11/12, 12/12 → raw 2 × 38/48 − 1 = 28/48.
        var gini = RegressionMetrics.NormalizedGini([1, 2, 3, 4], [1, 3, 2, 6]);

        Assert.Equal(26.0 / 28, gini!.Value, 12);
    }

    [Fact]
    public void NormalizedGiniIsOneForAPerfectOrderingAndAboutZeroForARandomOne()
    {
        var random = new Random(11);
        var actual = Enumerable.Range(0, 5000).Select(_ => Math.Exp(random.NextDouble() * 4) - 5).ToArray(); // some losses
        var perfect = actual.Select(a => (a * 3) + 1).ToArray();
        var noise = actual.Select(_ => random.NextDouble()).ToArray();

        Assert.Equal(1, RegressionMetrics.NormalizedGini(perfect, actual)!.Value, 12);
        Assert.InRange(RegressionMetrics.NormalizedGini(noise, actual)!.Value, -0.05, 0.05);
    }

    [Fact]
    public void NegativeActualValuesAreUsedAsTheyAreLikeGooglesCode()
    {
        // Total −1. By prediction: −4, 1, 2 → gain 4, 3, 1 → raw 2 × 8/3 − 1 = 13/3.
        // By actual:  2, 1, −4 → gain −2, −3, 1 → raw 2 × −4/3 − 1 = −11/3. Ratio −13/11.
        var gini = RegressionMetrics.NormalizedGini([3, 2, 1], [-4, 1, 2]);

        Assert.Equal(-13.0 / 11, gini!.Value, 12);
    }

    [Fact]
    public void NormalizedGiniIsNullWhenTheTotalIsZero() =>
        Assert.Null(RegressionMetrics.NormalizedGini([1, 2], [-1, 1]));

    [Fact]
    public void SpearmanIsMinusOneForAReversedOrderAndHandlesTies()
    {
        Assert.Equal(-1, RegressionMetrics.Spearman([1, 2, 3, 4, 5], [50, 40, 30, 20, 10])!.Value, 12);
        Assert.Equal(1, RegressionMetrics.Spearman([1, 2, 3], [1, 4, 9])!.Value, 12);

        // Ranks x = 1, 2.5, 2.5, 4 and y = 1, 2, 3, 4: Pearson of ranks = 4.5 / √(4.5 × 5).
        Assert.Equal(4.5 / Math.Sqrt(4.5 * 5), RegressionMetrics.Spearman([1, 2, 2, 3], [1, 2, 3, 4])!.Value, 12);
        Assert.Null(RegressionMetrics.Spearman([1, 1, 1], [1, 2, 3]));
    }

    [Fact]
    public void TopDecileCaptureAndDecileTableFollowThePredictionOrder()
    {
        // 20 customers: the two highest predictions hold 50 of the total 100.
        var predicted = Enumerable.Range(0, 20).Select(i => 20.0 - i).ToArray();
        var actual = new double[20];
        actual[0] = 30;
        actual[1] = 20;
        for (var i = 2; i < 20; i++)
        {
            actual[i] = 50 / 18.0;
        }

        var result = RegressionMetrics.Compute(predicted, actual);

        Assert.Equal(0.5, result.TopDecileCapture!.Value, 12);
        Assert.Equal(10, result.Deciles.Count);
        Assert.All(result.Deciles, d => Assert.Equal(2, d.Count));
        Assert.Equal((1, 2, 19.5, 25.0), (result.Deciles[0].Decile, result.Deciles[0].Count, result.Deciles[0].MeanPredicted, result.Deciles[0].MeanActual));
        Assert.Equal(0.5, result.Deciles[0].ShareOfActual!.Value, 12);
        Assert.Equal(10, result.Deciles[^1].Decile);
        Assert.Equal(1.5, result.Deciles[^1].MeanPredicted);
        Assert.Equal(1, result.Deciles.Sum(d => d.ShareOfActual!.Value), 12);
    }

    [Fact]
    public void EqualPredictionsShareTheirValueAcrossDeciles()
    {
        var result = RegressionMetrics.Compute(new double[10], [10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        Assert.All(result.Deciles, d => Assert.Equal(1, d.MeanActual!.Value, 12));
        Assert.Equal(0.1, result.TopDecileCapture!.Value, 12);
    }

    [Fact]
    public void SharesAreNullWhenTheTotalIsNotPositive()
    {
        var result = RegressionMetrics.Compute([3, 2, 1], [-5, 1, 2]);

        Assert.Null(result.TopDecileCapture);
        Assert.All(result.Deciles, d => Assert.Null(d.ShareOfActual));
    }

    [Fact]
    public void FewerThanTenCustomersLeaveSomeDecilesEmpty()
    {
        var result = RegressionMetrics.Compute([5, 4, 3], [5, 4, 3]);

        Assert.Equal(3, result.Deciles.Sum(d => d.Count));
        Assert.Equal(1, result.Deciles[0].Count);            // top 10% of 3, rounded up
        Assert.Contains(result.Deciles, d => d.Count == 0 && d.MeanActual is null);
    }

    [Fact]
    public void ConstantActualValuesLeaveRSquaredNull() =>
        Assert.Null(RegressionMetrics.Compute([1, 2], [3, 3]).RSquared);

    [Fact]
    public void ANonFiniteActualValueIsReportedWithItsIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([1, 2], [1, double.PositiveInfinity]));

        Assert.Equal("actual", error.ParamName);
        Assert.Contains("actual[1]", error.Message, StringComparison.Ordinal);
    }
}
