using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Data;
using Xunit.Abstractions;

namespace MlCustomer.Core.Tests.Explanations;

/// <summary>
/// The reasons every surface serves, from the committed bundle on the committed customers: baseline + every feature's
/// effect = the served prediction (churn in probability, value in currency), the compiled scorer and ML.NET's path
/// explain alike, one-hot slots are one reason, and a missing value is "unknown".
/// </summary>
public sealed class ServedExplanationTests(ITestOutputHelper output)
{
    private const int Customers = 2_000;

    private static readonly Lazy<(ModelBundle Bundle, List<ModelRow> Rows)> Committed = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, Path.Combine(RepositoryFolders.Root, "models"));
        var folder = Path.Combine(RepositoryFolders.Root, "training-data");
        var data = CustomerDataLoader.Load(
            Path.Combine(folder, "transactions.csv"), Path.Combine(folder, "customers.csv"), new LoadOptions(), Path.Combine(folder, "service-events.csv"));
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = bundle.Card.AsOfDate!.Value, IncludeLabels = false });
        var mapper = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames);
        return (bundle, table.Rows.Take(Customers).Select(mapper.From).ToList());
    });

    // Served numbers are single precision: the explained sum matches to ~1e-6 of the prediction's size.
    private static double Tolerance(double prediction) => 1e-5 * Math.Max(1, Math.Abs(prediction));

    [Fact]
    public void WithEveryFeatureShownTheEffectsAddUpToEveryServedPrediction()
    {
        var (bundle, rows) = Committed.Value;
        var scorer = new BundleScorer(new MLContext(seed: 1), bundle);
        Assert.True(scorer.IsCompiled, scorer.NotCompiledReason);
        var explainer = Assert.IsType<BundleExplainer>(scorer.Explainer);
        var scores = scorer.Score(rows, reasons: explainer.Units.Count);
        double worstChurn = 0, worstValue = 0;
        foreach (var score in scores)
        {
            var churn = score.ChurnTotals!.Value;
            Assert.Equal(explainer.ChurnBaseline, churn.Baseline);
            var churnError = Math.Abs(churn.Baseline + score.ChurnReasons.Sum(r => r.Contribution) - score.ChurnProbability);
            worstChurn = Math.Max(worstChurn, churnError);
            Assert.True(churnError <= Tolerance(score.ChurnProbability), $"{score.CustomerId}: churn effects miss the probability by {churnError}");
            Assert.True(Math.Abs(churn.AllOther) <= Tolerance(score.ChurnProbability), $"{score.CustomerId}: all other {churn.AllOther} with every feature shown");

            var value = score.ValueTotals!.Value;
            var valueError = Math.Abs(value.Baseline + score.ValueReasons.Sum(r => r.Contribution) - score.PredictedGrossProfit!.Value);
            worstValue = Math.Max(worstValue, valueError / Math.Max(1, Math.Abs(score.PredictedGrossProfit.Value)));
            Assert.True(valueError <= Tolerance(score.PredictedGrossProfit.Value), $"{score.CustomerId}: value effects miss the prediction by {valueError}");
        }

        // The figures the README quotes as the additivity error.
        output.WriteLine($"{scores.Count:N0} customers: worst churn error {worstChurn:E2} (probability), worst relative value error {worstValue:E2}");
        Assert.True(worstChurn < 1e-5 && worstValue < 1e-5, $"worst churn error {worstChurn}, worst relative value error {worstValue}");
    }

    [Fact]
    public void RevenueReasonsAddUpToEveryServedRevenueOnBothScoringPaths()
    {
        var (bundle, rows) = Committed.Value;
        var compiled = new BundleScorer(new MLContext(seed: 1), bundle);
        Assert.True(compiled.IsCompiled, compiled.NotCompiledReason);
        var explainer = Assert.IsType<BundleExplainer>(compiled.Explainer);
        Assert.True(explainer.ExplainsRevenue);
        var everyFeature = compiled.Score(rows, reasons: explainer.Units.Count);
        var worst = 0.0;
        foreach (var score in everyFeature)
        {
            var revenue = score.PredictedRevenue!.Value;
            var totals = score.RevenueTotals!.Value;
            Assert.Equal(explainer.RevenueBaseline!.Value, totals.Baseline);
            var error = Math.Abs(totals.Baseline + score.RevenueReasons.Sum(r => r.Contribution) - revenue);
            worst = Math.Max(worst, error / Math.Max(1, Math.Abs(revenue)));
            Assert.True(error <= Tolerance(revenue), $"{score.CustomerId}: revenue effects miss the prediction by {error}");
            Assert.True(Math.Abs(totals.AllOther) <= Tolerance(revenue), $"{score.CustomerId}: all other {totals.AllOther} with every feature shown");
        }

        output.WriteLine($"{everyFeature.Count:N0} customers: worst relative revenue error {worst:E2}");
        Assert.True(worst < 1e-5, $"worst relative revenue error {worst}");

        // Three reasons and all other add up exactly; ML.NET's path explains alike.
        var sample = rows.Take(300).ToList();
        var three = compiled.Score(sample, reasons: 3);
        var mlNet = new BundleScorer(new MLContext(seed: 1), bundle, compile: false).Score(sample, reasons: 3);
        for (var i = 0; i < sample.Count; i++)
        {
            var totals = three[i].RevenueTotals!.Value;
            Assert.Equal(three[i].PredictedRevenue!.Value, totals.Baseline + three[i].RevenueReasons.Sum(r => r.Contribution) + totals.AllOther, 1e-9);
            Assert.Equal(mlNet[i].RevenueReasons.Select(r => (r.Feature, r.Value)), three[i].RevenueReasons.Select(r => (r.Feature, r.Value)));
            Assert.Equal(mlNet[i].RevenueTotals!.Value.AllOther, totals.AllOther, Tolerance(three[i].PredictedRevenue!.Value));
        }

        Assert.Contains(three, s => s.RevenueReasons.Count == 3);
    }

    [Fact]
    public void TheShownReasonsAndAllOtherAddUpToThePredictionAndAllOtherIsTheRestOfTheEffects()
    {
        var (bundle, rows) = Committed.Value;
        var scorer = new BundleScorer(new MLContext(seed: 1), bundle);
        var top = scorer.Score(rows, reasons: 3);
        var all = scorer.Score(rows, reasons: scorer.Explainer!.Units.Count);
        for (var i = 0; i < top.Count; i++)
        {
            var shown = top[i].ChurnReasons;
            Assert.Equal(3, shown.Count);
            var totals = top[i].ChurnTotals!.Value;
            Assert.Equal(top[i].ChurnProbability, totals.Baseline + shown.Sum(r => r.Contribution) + totals.AllOther, 12);
            var rest = all[i].ChurnReasons.Where(r => !shown.Any(s => s.Feature == r.Feature)).Sum(r => r.Contribution);
            Assert.Equal(rest, totals.AllOther, Tolerance(top[i].ChurnProbability));
            // The top three are the largest effects by size.
            Assert.Equal(all[i].ChurnReasons.Take(3).Select(r => r.Feature), shown.Select(r => r.Feature));
        }
    }

    [Fact]
    public void TheCompiledScorerAndMlNetExplainAlike()
    {
        var (bundle, rows) = Committed.Value;
        var sample = rows.Take(300).ToList();
        var compiled = new BundleScorer(new MLContext(seed: 1), bundle).Score(sample);
        var mlNet = new BundleScorer(new MLContext(seed: 1), bundle, compile: false).Score(sample);
        for (var i = 0; i < sample.Count; i++)
        {
            Assert.Equal(mlNet[i].ChurnReasons.Select(r => (r.Feature, r.Value)), compiled[i].ChurnReasons.Select(r => (r.Feature, r.Value)));
            Assert.Equal(mlNet[i].ValueReasons.Select(r => (r.Feature, r.Value)), compiled[i].ValueReasons.Select(r => (r.Feature, r.Value)));
            for (var k = 0; k < compiled[i].ChurnReasons.Count; k++)
            {
                Assert.Equal(mlNet[i].ChurnReasons[k].Contribution, compiled[i].ChurnReasons[k].Contribution, 1e-9);
            }

            Assert.Equal(mlNet[i].ValueTotals!.Value.AllOther, compiled[i].ValueTotals!.Value.AllOther, Tolerance(compiled[i].PredictedGrossProfit!.Value));
        }
    }

    [Fact]
    public void ACategoricalAttributeIsOneReasonWithItsLevelAndTheBlendIsOneNamedReason()
    {
        var (bundle, rows) = Committed.Value;
        var scorer = new BundleScorer(new MLContext(seed: 1), bundle);
        var units = scorer.Explainer!.Units;
        Assert.DoesNotContain(units, u => u.Contains('=', StringComparison.Ordinal));
        Assert.Equal(ValueBlend.ReasonName, units[^1]);
        var scores = scorer.Score(rows, reasons: units.Count);
        var categorical = bundle.Card.FeatureContract.Schema.CategoricalNames;
        Assert.NotEmpty(categorical);
        foreach (var (score, row) in scores.Zip(rows))
        {
            foreach (var name in categorical)
            {
                var reasons = score.ChurnReasons.Where(r => r.Feature == name).ToList();
                Assert.True(reasons.Count <= 1);
                var level = row.Categorical[categorical.ToList().IndexOf(name)].Split('=', 2)[1];
                Assert.All(reasons, r => Assert.Equal(level == ModelDatasets.MissingCategory ? BundleExplainer.Unknown : level, r.Value));
            }

            // The statistical part has no trees: it never explains churn, and on value it is the blend's own reason.
            Assert.DoesNotContain(score.ChurnReasons, r => r.Feature == ValueBlend.ReasonName);
        }

        Assert.Contains(scores, s => s.ValueReasons.Any(r => r.Feature == ValueBlend.ReasonName && r.Contribution != 0));
    }

    [Fact]
    public void AMissingNumberIsExplainedAsUnknownNotAsTheZeroTheTreesRead()
    {
        var (bundle, rows) = Committed.Value;
        var scorer = new BundleScorer(new MLContext(seed: 1), bundle);
        var numeric = bundle.Card.FeatureContract.Schema.NumericNames;
        var satisfaction = numeric.ToList().IndexOf("satisfaction");
        Assert.True(satisfaction >= 0);
        var missing = rows.Take(200).Select(r => new ModelRow
        {
            CustomerId = r.CustomerId,
            Numeric = [.. r.Numeric.Select((v, i) => i == satisfaction ? float.NaN : v)],
            Categorical = r.Categorical,
        }).ToList();
        var scores = scorer.Score(missing, reasons: scorer.Explainer!.Units.Count);
        var reasons = scores.SelectMany(s => s.ChurnReasons.Concat(s.ValueReasons)).Where(r => r.Feature == "satisfaction").ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.Equal(BundleExplainer.Unknown, r.Value));
        Assert.Contains(scores.SelectMany(s => s.ChurnReasons).Where(r => r.Feature == "recency_days"), r => r.Value != BundleExplainer.Unknown);
    }
}
