using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class ValueErrorComparisonTests
{
    private const string BgNbd = "BG/NBD + Gamma-Gamma";

    // 3,000 held-out customers: profit, a close prediction (chosen) and a looser one (BG/NBD), deterministic noise.
    private static (double[] Actual, double[] Chosen, double[] Baseline) HeldOut(int customers)
    {
        var random = new Random(7);
        var actual = Enumerable.Range(0, customers).Select(_ => Math.Round(random.NextDouble() * 400 - 50, 2)).ToArray();
        var chosen = actual.Select(a => a + ((random.NextDouble() - 0.5) * 60)).ToArray();
        var baseline = actual.Select(a => a + ((random.NextDouble() - 0.5) * 240)).ToArray();
        return (actual, chosen, baseline);
    }

    private static ValueErrorComparison Compare(int customers, int maxBootstrapCustomers, int resamples = 200)
    {
        var (actual, chosen, baseline) = HeldOut(customers);
        return ValueErrorComparison.Compute(
            [(ValueErrorComparison.Trees, chosen), (BgNbd, baseline), (ValueErrorComparison.Chosen, chosen)],
            actual, BgNbd, resamples, seed: 42, maxBootstrapCustomers);
    }

    [Fact]
    public void AboveTheCapTheIntervalsComeFromASeededSampleWhileTheValuesCountEveryCustomer()
    {
        var capped = Compare(3_000, maxBootstrapCustomers: 500);
        var all = Compare(3_000, maxBootstrapCustomers: 3_000);

        Assert.True(capped.Sampled);
        Assert.False(all.Sampled);
        Assert.Equal(3_000, capped.HeldOutCustomers);
        Assert.Equal(500, capped.BootstrapCustomers);
        Assert.Contains("a random sample of 500 of the 3,000 held-out customers (seed 42", capped.Sampling, StringComparison.Ordinal);
        Assert.StartsWith(capped.Sampling, capped.Describe(), StringComparison.Ordinal);

        // Every value is the full held-out set's; only the intervals differ, and the sample's are the wider.
        for (var i = 0; i < all.Models.Count; i++)
        {
            Assert.Equal(all.Models[i].Mae.Value, capped.Models[i].Mae.Value);
            Assert.Equal(all.Models[i].Rmse.Value, capped.Models[i].Rmse.Value);
            Assert.Equal(all.Models[i].Gini!.Value, capped.Models[i].Gini!.Value);
            Assert.True(capped.Models[i].Mae.Upper - capped.Models[i].Mae.Lower > all.Models[i].Mae.Upper - all.Models[i].Mae.Lower);
        }

        Assert.Equal(3, capped.ChosenVersusBgNbd.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(all.ChosenVersusBgNbd[i].Difference, capped.ChosenVersusBgNbd[i].Difference, 12);
            Assert.Equal(all.ChosenVersusBgNbd[i].VerdictText, capped.ChosenVersusBgNbd[i].VerdictText);
        }

        Assert.Equal(DifferenceVerdict.Better, capped.ChosenVersusBgNbd.Single(d => d.Metric == "value MAE").Verdict);
    }

    [Fact]
    public void TheSameSeedDrawsTheSameSampleAndTheSameIntervals()
    {
        var first = Compare(3_000, maxBootstrapCustomers: 500);
        var second = Compare(3_000, maxBootstrapCustomers: 500);

        Assert.Equal(first.Describe(), second.Describe());
    }

    [Fact]
    public void AtOrBelowTheCapEveryHeldOutCustomerIsResampled()
    {
        var comparison = Compare(400, maxBootstrapCustomers: ValueErrorComparison.DefaultMaxBootstrapCustomers);

        Assert.False(comparison.Sampled);
        Assert.Equal(400, comparison.BootstrapCustomers);
        Assert.Equal("bootstrap 95% intervals from 200 resamples of the 400 held-out customers", comparison.Sampling);
    }
}
