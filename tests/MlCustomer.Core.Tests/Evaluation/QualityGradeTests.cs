using System.Text.Json;
using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class QualityGradeTests
{
    [Theory]
    [InlineData(0.85, 0.70, GradeLetter.A)]
    [InlineData(0.80, 0.75, GradeLetter.A)]   // exactly on both edges
    [InlineData(0.78, 0.75, GradeLetter.B)]   // better, but not by 0.05
    [InlineData(0.74, 0.60, GradeLetter.B)]   // big gain, but below 0.75
    [InlineData(0.70, 0.72, GradeLetter.C)]
    [InlineData(0.70, 0.70, GradeLetter.C)]   // equal is not better
    public void ChurnGradesFollowTheAucRule(double modelAuc, double baselineAuc, GradeLetter expected) =>
        Assert.Equal(expected, new ChurnGradeRule().Grade(modelAuc, baselineAuc).Letter);

    [Fact]
    public void AnUndefinedModelAucGradesC()
    {
        var grade = new ChurnGradeRule().Grade(null, 0.7);

        Assert.Equal(GradeLetter.C, grade.Letter);
        Assert.Contains("undefined", grade.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.60, 0.50, 10, 12, GradeLetter.A)]
    [InlineData(0.52, 0.50, 10, 12, GradeLetter.B)]   // both better, Gini not by enough
    [InlineData(0.60, 0.50, 13, 12, GradeLetter.B)]   // Gini only
    [InlineData(0.40, 0.50, 11, 12, GradeLetter.B)]   // MAE only
    [InlineData(0.40, 0.50, 13, 12, GradeLetter.C)]
    public void ValueGradesFollowTheGiniAndMaeRule(double gini, double baselineGini, double mae, double baselineMae, GradeLetter expected) =>
        Assert.Equal(expected, new ValueGradeRule().Grade(gini, baselineGini, mae, baselineMae).Letter);

    [Fact]
    public void TheRuleIsWrittenOutWithItsThresholds()
    {
        var strict = new ChurnGradeRule { MinAucGainForA = 0.1, MinAucForA = 0.8 };
        var grade = strict.Grade(0.85, 0.8);

        Assert.Equal("A if AUC ≥ baseline AUC + 0.1 and AUC ≥ 0.8; B if AUC > baseline AUC; otherwise C", grade.Rule);
        Assert.Equal(GradeLetter.B, grade.Letter);
        Assert.Equal("AUC 0.850 vs baseline 0.800: better than the baseline, not enough for A", grade.Reason);
        Assert.Contains("baseline Gini + 0.05", new ValueGradeRule().Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void GradesComeFromMetricResults()
    {
        var model = RegressionMetrics.Compute([1, 2, 3, 4], [1, 2, 3, 4]);
        var baseline = RegressionMetrics.Compute([2.5, 2.5, 2.5, 2.5], [1, 2, 3, 4]);
        var churn = BinaryMetrics.Compute([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);

        Assert.Equal(GradeLetter.A, QualityGrade.ForValue(model, baseline).Letter);
        Assert.Equal(GradeLetter.A, QualityGrade.ForChurn(churn, baselineAuc: 0.6).Letter);
    }

    [Fact]
    public void TheGradeSerialisesAsALetter()
    {
        var json = JsonSerializer.Serialize(new ChurnGradeRule().Grade(0.9, 0.6));

        Assert.StartsWith("{\"Letter\":\"A\",\"Rule\":", json, StringComparison.Ordinal);
    }
}
