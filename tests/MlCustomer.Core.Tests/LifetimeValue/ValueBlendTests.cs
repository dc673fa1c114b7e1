using Microsoft.ML;
using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

public sealed class ValueBlendTests(SmallValueData sample) : IClassFixture<SmallValueData>
{
    [Fact]
    public void TheStatisticalPartFromFeaturesEqualsTheBaselineFromTransactions()
    {
        var histories = ValueBaselines.PurchaseHistories(sample.Data, sample.AsOfDate);
        var baseline = BgNbdBaseline.Fit(histories.Values);
        var blender = ValueBlend.Of(0, 365, ValueBlend.ProfitTotalFeature, baseline.Models).For(sample.Schema);

        foreach (var row in sample.Rows)
        {
            var expected = baseline.Predict(histories.GetValueOrDefault(row.CustomerId), 365);
            Assert.Equal(expected, blender.Statistical(row.Numeric), 1e-3 * Math.Max(1, Math.Abs(expected)));
            Assert.Equal(expected, blender.Value(trees: 1_000, row.Numeric), 1e-3 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void TheWeightIsChosenOnOutOfFoldPredictionsAndAppliedAfterTheTrees()
    {
        var ml = new MLContext(seed: 1);
        var options = SmallValueData.Options with { HorizonDays = 365, BlendWeights = [0.3, 0.6] };

        var trained = LifetimeValueTrainer.Train(ml, sample.Schema, sample.Rows, options, seed: 1);

        Assert.NotNull(trained.Blend);
        Assert.Contains(trained.Blend.TreeWeight, new[] { 0.3, 0.6 });
        Assert.Contains($"with tree weight {trained.Blend.TreeWeight:0.0}", trained.Selection, StringComparison.Ordinal);
        Assert.Contains("BG/NBD + Gamma-Gamma fitted per fold", trained.Selection, StringComparison.Ordinal);
        Assert.Contains("blended with BG/NBD", trained.Algorithm, StringComparison.Ordinal);
        var rows = sample.Rows.Take(100).ToList();
        var trees = LifetimeValueTrainer.Predict(ml, trained.Model, sample.Schema, rows);
        var blended = LifetimeValueTrainer.Predict(ml, trained.Model, sample.Schema, rows, trained.Blend);
        var blender = trained.Blend.For(sample.Schema);
        var w = trained.Blend.TreeWeight;
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal((w * trees[i]) + ((1 - w) * blender.Statistical(rows[i].Numeric)), blended[i], 1e-6);
        }
    }

    [Fact]
    public void TreesStandAloneWhenTheyWinOrWhenThereIsNoHorizon()
    {
        Assert.Null(sample.Trained.Blend);
        Assert.Contains("No blend", sample.Trained.Selection, StringComparison.Ordinal);

        var treesOnly = LifetimeValueTrainer.Train(
            new MLContext(seed: 1), sample.Schema, sample.Rows, SmallValueData.Options with { HorizonDays = 365, BlendWeights = [1] }, seed: 1);

        Assert.Null(treesOnly.Blend);
        Assert.Contains("tree weight 1.0", treesOnly.Selection, StringComparison.Ordinal);
    }

    [Fact]
    public void ABlendNeedsThePurchaseHistoryFeatures()
    {
        var schema = new Modeling.FeatureSchema(["recency_days", "purchase_days"], []);
        var blend = ValueBlend.Of(0.5, 365, ValueBlend.ProfitTotalFeature, new ClvBaseline(new BgNbdModel(0.24, 4.4, 0.79, 2.4), new GammaGammaModel(6, 4, 15)));

        Assert.False(ValueBlend.CanUse(schema.NumericNames, ValueBlend.ProfitTotalFeature));
        var error = Assert.Throws<ArgumentException>(() => blend.For(schema));
        Assert.Contains("'days_since_first_purchase'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACustomerWhoseExpectationCannotBeEvaluatedGetsTheTreesValueAndUnscaledReasons()
    {
        // Parameters a fit on a few weeks of history can reach: the series behind the expectation needs millions of terms.
        var schema = new Modeling.FeatureSchema(["recency_days", "purchase_days", "days_since_first_purchase", ValueBlend.ProfitTotalFeature], []);
        var extreme = ValueBlend.Of(0.5, 365, ValueBlend.ProfitTotalFeature, new ClvBaseline(new BgNbdModel(0.4, 12, 5e7, 5e7), new GammaGammaModel(6, 4, 15)));
        var usual = ValueBlend.Of(0.5, 365, ValueBlend.ProfitTotalFeature, new ClvBaseline(new BgNbdModel(0.24, 4.4, 0.79, 2.4), new GammaGammaModel(6, 4, 15)));
        float[] row = [10, 3, 40, 90];

        var statistical = extreme.For(schema).Statistical(row);

        Assert.True(double.IsNaN(statistical));
        Assert.Equal(123.0, extreme.For(schema).Value(123.0, row));
        var contributions = new float[3];
        extreme.For(schema).Contributions([1f, -2f], statistical, contributions);
        Assert.Equal([1f, -2f, 0f], contributions);
        var finite = usual.For(schema).Statistical(row);
        Assert.True(double.IsFinite(finite) && finite > 0);
        Assert.Equal((0.5 * 123.0) + (0.5 * finite), usual.For(schema).Value(123.0, row), 9);
    }
}
