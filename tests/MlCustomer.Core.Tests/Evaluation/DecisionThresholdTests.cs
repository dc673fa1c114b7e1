using MlCustomer.Core.Decisions;
using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class DecisionThresholdTests
{
    private static readonly double[] Probabilities = [0.9, 0.8, 0.6, 0.4, 0.2, 0.1];
    private static readonly bool[] Churned = [true, true, false, true, false, false];

    private static OfferCase[] Observed(double cost) =>
        [.. Probabilities.Select((p, i) => new OfferCase(p, Churned[i] ? 1 : 0, ProfitIfKept: 100, OfferCost: cost))];

    [Fact]
    public void TheOfferRulePicksTheMostProfitableCutOnObservedChurn()
    {
        // Each saved churner is worth 100 × 0.5 = 50, each offer costs 10. Return by cut:
        // 0.9: 50−10=40, 0.8: 100−20=80, 0.6: 100−30=70, 0.4: 150−40=110, 0.2: 150−50=100, 0.1: 150−60=90.
        var best = OfferEconomics.BestThreshold(Observed(10), saveRate: 0.5, "six held-out customers");

        Assert.Equal(0.4, best.ChurnProbability);
        Assert.Equal(4, best.Customers);
        Assert.Equal(40, best.Spend, 10);
        Assert.Equal(110, best.ExpectedReturn, 10);
        Assert.Equal(6, best.Considered);
        Assert.Contains("six held-out customers", best.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void WhenNoOfferPaysTheAnswerIsToTargetNobody()
    {
        var best = OfferEconomics.BestThreshold(Observed(60), saveRate: 0.5, "six held-out customers");

        Assert.Null(best.ChurnProbability);
        Assert.Equal(0, best.Customers);
        Assert.Equal(0, best.ExpectedReturn);
        Assert.StartsWith("no single churn-probability threshold", best.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void PredictedChurnAndNegativeProfitsFollowTheSameRule()
    {
        // Predicted churn as the weight; a customer expected to lose money is worth 0 if kept, so never pays.
        OfferCase[] today = [new(0.9, 0.9, -500, 5), new(0.5, 0.5, 200, 5), new(0.1, 0.1, 200, 5)];

        var best = OfferEconomics.BestThreshold(today, saveRate: 0.5, "today");

        Assert.Equal(-5, OfferEconomics.ExpectedReturn(today[0], 0.5), 12);
        Assert.Equal(45, OfferEconomics.ExpectedReturn(today[1], 0.5), 12); // 0.5 × 0.5 × 200 − 5
        Assert.Equal(0.1, best.ChurnProbability); // 0.9 alone −5, with 0.5: 40, with 0.1: 40 + 5 = 45
        Assert.Equal(45, best.ExpectedReturn, 10);
    }

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
