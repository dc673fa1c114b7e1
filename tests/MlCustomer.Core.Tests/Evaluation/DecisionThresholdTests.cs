using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class DecisionThresholdTests
{
    private static readonly double[] Probabilities = [0.9, 0.8, 0.6, 0.4, 0.2, 0.1];
    private static readonly bool[] Churned = [true, true, false, true, false, false];

    [Fact]
    public void ExpectedCostThresholdPicksTheMostProfitableCut()
    {
        // Each saved churner is worth 100 × 0.5 = 50, each offer costs 10. Profit by cut:
        // 0.9: 50−10=40, 0.8: 100−20=80, 0.6: 100−30=70, 0.4: 150−40=110, 0.2: 150−50=100, 0.1: 150−60=90.
        var best = BinaryMetrics.ExpectedCostThreshold(Probabilities, Churned, costOfOffer: 10, valueOfSavedCustomer: 100, saveRate: 0.5);

        Assert.Equal(0.4, best.Threshold);
        Assert.Equal(4, best.Targeted);
        Assert.Equal(3, best.PositivesTargeted);
        Assert.Equal(110, best.ExpectedProfit, 10);
        Assert.Equal(0.2, best.BreakEvenProbability!.Value, 12); // 10 / 50
    }

    [Fact]
    public void WhenNoOfferPaysTheAnswerIsToTargetNobody()
    {
        var best = BinaryMetrics.ExpectedCostThreshold(Probabilities, Churned, costOfOffer: 60, valueOfSavedCustomer: 100, saveRate: 0.5);

        Assert.Null(best.Threshold);
        Assert.Equal(0, best.Targeted);
        Assert.Equal(0, best.ExpectedProfit);
    }

    [Fact]
    public void ASaveRateOutsideZeroToOneIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryMetrics.ExpectedCostThreshold(Probabilities, Churned, 1, 1, 1.5));

    [Fact]
    public void BestSingleThresholdRuleMaximisesYoudensJ()
    {
        double[] recencyDays = [5, 10, 40, 50, 60, 90, 100, 20, 70];
        bool[] churned = [false, false, true, false, true, true, true, false, false];

        // Cuts from the top: ≥100 J=.25, ≥90 .5, ≥70 .3, ≥60 .55, ≥50 .35, ≥40 1−.4=.6, ≥20 .4 …
        var rule = BinaryMetrics.BestSingleThresholdRule(recencyDays, churned, "recency_days");

        Assert.Equal(40, rule.Threshold);
        Assert.Equal(0.6, rule.YoudenJ, 12);
        Assert.Equal(7 / 9.0, rule.Accuracy, 12);
        Assert.Equal(1, rule.TruePositiveRate);
        Assert.Equal(0.4, rule.FalsePositiveRate, 12);
        Assert.Equal(0.85, rule.Auc, 12); // 17 of 20 churner–stayer pairs ordered right
        Assert.Equal(BinaryMetrics.YoudenCriterion, rule.Criterion);
        Assert.Equal("positive when recency_days ≥ 40", rule.Description);
        Assert.True(rule.Predict(41));
        Assert.False(rule.Predict(39));
    }

    [Fact]
    public void ARuleNeedsBothClasses()
    {
        var error = Assert.Throws<ArgumentException>(() => BinaryMetrics.BestSingleThresholdRule([1, 2], [true, true]));

        Assert.Equal("labels", error.ParamName);
    }
}
