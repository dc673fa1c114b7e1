using MlCustomer.Core.Bundle;
using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class PairedBootstrapTests
{
    private static readonly bool[] Labels = Enumerable.Range(0, 400).Select(i => i % 3 == 0).ToArray();

    // A score that knows the label with some noise, and one that knows it less well.
    private static readonly double[] Sharp = Labels.Select((l, i) => Math.Clamp((l ? 0.7 : 0.3) + (((i * 37) % 11) - 5) * 0.05, 0.01, 0.99)).ToArray();
    private static readonly double[] Blunt = Labels.Select((l, i) => Math.Clamp((l ? 0.55 : 0.45) + (((i * 53) % 13) - 6) * 0.05, 0.01, 0.99)).ToArray();

    private static Func<int[], double?> Auc(double[] scores) =>
        i => BinaryMetrics.Auc(PairedBootstrap.Gather(scores, i), PairedBootstrap.Gather(Labels, i));

    private static Func<int[], double?> LogLoss(double[] scores) =>
        i => BinaryMetrics.LogLoss(PairedBootstrap.Gather(scores, i), PairedBootstrap.Gather(Labels, i));

    [Fact]
    public void AClearlyBetterChallengerIsBetterWithAnIntervalAboveZero()
    {
        var difference = PairedBootstrap.Difference("churn AUC", true, Labels.Length, Auc(Blunt), Auc(Sharp))!;

        Assert.Equal(BinaryMetrics.Auc(Sharp, Labels)!.Value - BinaryMetrics.Auc(Blunt, Labels)!.Value, difference.Difference, 12);
        Assert.True(difference.Lower > 0, difference.Describe());
        Assert.InRange(difference.Difference, difference.Lower, difference.Upper);
        Assert.Equal(DifferenceVerdict.Better, difference.Verdict);
        Assert.Equal(PairedBootstrap.DefaultResamples, difference.Resamples);
    }

    [Fact]
    public void ForALossLowerIsBetter()
    {
        var difference = PairedBootstrap.Difference("churn log loss", false, Labels.Length, LogLoss(Blunt), LogLoss(Sharp))!;

        Assert.True(difference.Upper < 0, difference.Describe());
        Assert.Equal(DifferenceVerdict.Better, difference.Verdict);
        Assert.Equal(DifferenceVerdict.Worse, PairedBootstrap.Difference("churn log loss", false, Labels.Length, LogLoss(Sharp), LogLoss(Blunt))!.Verdict);
    }

    [Fact]
    public void TheSameSeedDrawsTheSameIntervalAndAnotherSeedAnother()
    {
        var first = PairedBootstrap.Difference("churn AUC", true, Labels.Length, Auc(Blunt), Auc(Sharp), resamples: 300, seed: 7);
        var again = PairedBootstrap.Difference("churn AUC", true, Labels.Length, Auc(Blunt), Auc(Sharp), resamples: 300, seed: 7);
        var other = PairedBootstrap.Difference("churn AUC", true, Labels.Length, Auc(Blunt), Auc(Sharp), resamples: 300, seed: 8);

        Assert.Equal(first, again);
        Assert.NotEqual(first!.Lower, other!.Lower);
    }

    [Fact]
    public void TwoModelsThatAgreeOnEveryCustomerDifferByNothing()
    {
        var difference = PairedBootstrap.Difference("churn AUC", true, Labels.Length, Auc(Sharp), Auc(Sharp), resamples: 100)!;

        Assert.Equal((0.0, 0.0, 0.0), (difference.Difference, difference.Lower, difference.Upper));
        Assert.Equal(DifferenceVerdict.WithinNoise, difference.Verdict);
    }

    [Fact]
    public void AMetricUndefinedOnTheCustomersIsNotCompared()
    {
        var oneClass = new bool[10];

        var difference = PairedBootstrap.Difference("churn AUC", true, 10,
            i => BinaryMetrics.Auc(PairedBootstrap.Gather(Sharp, i), PairedBootstrap.Gather(oneClass, i)),
            i => BinaryMetrics.Auc(PairedBootstrap.Gather(Blunt, i), PairedBootstrap.Gather(oneClass, i)));

        Assert.Null(difference);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.25, 1.75)]
    [InlineData(0.5, 2.5)]
    [InlineData(1.0, 4.0)]
    public void PercentilesInterpolateBetweenClosestRanksAsNumpyDoes(double quantile, double expected) =>
        Assert.Equal(expected, PairedBootstrap.Percentile([1, 2, 3, 4], quantile), 12);

    [Fact]
    public void TheVerdictNamesWhatIsBetterWorseAndWithinNoiseInOneLine()
    {
        MetricDifference Of(string metric, bool higherIsBetter, double champion, double challenger, double lower, double upper) =>
            new(metric, higherIsBetter, champion, challenger, lower, upper, 1_000);
        var evaluation = new BundleEvaluation("mlc-a", default, default, EvaluationBasis.HeldOut, 0, 0, "", null, null, [], []);
        var comparison = new BundleComparison(evaluation, evaluation with { Version = "mlc-b" }, 2_228, "", [
            Of("churn AUC", true, 0.879, 0.891, 0.004, 0.020),
            Of("churn log loss", false, 0.431, 0.440, 0.002, 0.016),
            Of("value Gini", true, 0.754, 0.755, -0.004, 0.006),
        ], 1_000, 42);

        Assert.Equal(
            "challenger better on churn AUC by +0.012 [+0.004, +0.020]; worse on churn log loss by +0.009 [+0.002, +0.016]; value Gini within noise",
            comparison.Verdict());
    }
}
