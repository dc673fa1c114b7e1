using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

public sealed class GammaGammaModelTests
{
    // Fader, Hardie & Lee (2005) / lifetimes, CDNOW spend per transaction.
    private static readonly GammaGammaModel PublishedCdnow = new(6.25, 3.74, 15.44);

    [Fact]
    public void FittingCustomersSimulatedFromTheModelRecoversEachParameterWithinFourStandardErrors()
    {
        double[] truth = [6.0, 4.0, 15.0];
        var customers = LifetimeValueSimulation.GammaGammaCustomers(new Random(20_240_602), 10_000, truth[0], truth[1], truth[2]);

        var model = GammaGammaModel.Fit(customers);

        // As for BG/NBD: the estimate is asymptotically normal with the reported SEs, so 4 SE is a bound a
        // correct fit exceeds with probability 6e-5 per parameter. For 10,000 customers with 1 + Geometric
        // (mean 3) transactions the SEs are about p 6 %, q 2.1 %, v 7.9 % (200 replications: bias under
        // 1.5 %, empirical spread within 5 % of the reported SEs).
        double[] estimate = [model.P, model.Q, model.V];
        double[] expectedRelativeError = [0.060, 0.021, 0.079];
        var errors = model.Estimation!.StandardErrors;
        Assert.True(model.Estimation.Converged);
        for (var i = 0; i < truth.Length; i++)
        {
            Assert.InRange(errors[i] / truth[i], 0.5 * expectedRelativeError[i], 1.5 * expectedRelativeError[i]);
            Assert.InRange(estimate[i], truth[i] - (4 * errors[i]), truth[i] + (4 * errors[i]));
        }
    }

    [Fact]
    public void ExpectedAverageValueIsTheCredibilityWeightedMixOfOwnAndPopulationMean()
    {
        // By hand: p(v + x·m) / (px + q − 1) = 6.25 · (15.44 + 2 · 30) / (12.5 + 2.74) = 471.5 / 15.24.
        Assert.Equal(30.93832, PublishedCdnow.ExpectedAverageValue(new TransactionValueHistory(2, 30)), 1e-5);
        // Without transactions: the population mean p·v / (q − 1) = 96.5 / 2.74.
        Assert.Equal(35.21898, PublishedCdnow.ExpectedAverageValue(new TransactionValueHistory(0, double.NaN)), 1e-5);
        Assert.Equal(35.21898, PublishedCdnow.PopulationMeanValue, 1e-5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(30)]
    public void TheLikelihoodIsADensityOfTheAverageValueThatIntegratesToOne(double transactions)
    {
        // ∫₀^∞ f(m | x) dm over m = e^s: the trapezoid rule converges geometrically for this smooth,
        // doubly-exponentially decaying integrand.
        const double step = 0.01;
        var total = 0.0;
        for (var s = -25.0; s <= 25.0; s += step)
        {
            var m = Math.Exp(s);
            total += Math.Exp(PublishedCdnow.LogLikelihood([new TransactionValueHistory(transactions, m)])) * m * step;
        }

        Assert.Equal(1.0, total, 1e-9);
    }

    [Fact]
    public void FittingExcludesCustomersWithoutTransactionsOrWithNonPositiveValuesAndReportsHowMany()
    {
        var customers = LifetimeValueSimulation.GammaGammaCustomers(new Random(5), 2_000, 6, 4, 15);
        customers.AddRange([new(0, 0), new(0, double.NaN), new(3, -12.5), new(1, 0), new(2, -0.01)]);

        var model = GammaGammaModel.Fit(customers);

        Assert.Equal(2, model.ExcludedWithoutTransactions);
        Assert.Equal(3, model.ExcludedNonPositiveValue);
        Assert.Equal(2_000, model.Estimation!.CustomerCount);
        Assert.EndsWith("(LL=" + model.Estimation.LogLikelihood.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)
            + ", 2,000 customers); excluded 2 without transactions, 3 with value ≤ 0", model.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeAverageStillGetsAPrediction()
    {
        var prediction = PublishedCdnow.ExpectedAverageValue(new TransactionValueHistory(5, -40));

        Assert.True(prediction < 0, "Five loss-making transactions outweigh the population mean.");
    }

    [Fact]
    public void FittingWithNoUsableCustomerIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit([new(0, 0), new(2, -5)]));

        Assert.Contains("1 without transactions, 1 with value ≤ 0", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit([]));
    }

    [Theory]
    [InlineData(-1, 10, "customers[1].Transactions")]
    [InlineData(2.5, 10, "customers[1].Transactions")]
    [InlineData(double.NaN, 10, "customers[1].Transactions")]
    [InlineData(2, double.NaN, "customers[1].AverageValue")]
    [InlineData(2, double.PositiveInfinity, "customers[1].AverageValue")]
    public void AnInvalidHistoryIsRejectedNamingTheCustomerIndexAndField(double transactions, double average, string where)
    {
        TransactionValueHistory[] customers = [new(1, 10), new(transactions, average), new(3, 20)];

        var error = Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit(customers));

        Assert.StartsWith(where + " = ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheClvBaselineIsExpectedPurchasesTimesExpectedValuePerTransaction()
    {
        var purchases = new BgNbdModel(0.243, 4.414, 0.793, 2.426);
        var baseline = new ClvBaseline(purchases, PublishedCdnow);
        var customer = new RepeatPurchaseHistory(2, 30.43, 38.86);

        var value = baseline.ExpectedValue(customer, 30, 39);

        Assert.Equal(purchases.ExpectedPurchases(customer, 39) * 30.93832, value, 1e-4);
        Assert.Equal(0, baseline.ExpectedValue(customer, 30, 0));
        Assert.Equal(
            "BG/NBD r=0.243 alpha=4.414 a=0.793 b=2.426 (given parameters); Gamma-Gamma p=6.250 q=3.740 v=15.440 (given parameters)",
            baseline.ToString());
    }
}
