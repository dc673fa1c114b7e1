using System.Text.Json;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Tests.Bundle;

public sealed class ModelBundleTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    private List<ModelRow> Rows()
    {
        var table = FeatureBuilder.Build(sample.Data, sample.Features);
        return ModelDatasets.FromFeatureTable(table).Rows.Take(200).ToList();
    }

    [Fact]
    public void TheChurnModelPredictsTheSameAfterSavingAndLoading()
    {
        var ml = new MLContext(seed: 1);
        var loaded = ModelBundle.Load(ml, sample.BundleFolder);
        var schema = loaded.Card.FeatureContract.Schema;

        var before = ChurnTrainer.RawScores(ml, sample.Result.Bundle.Churn, schema, Rows());
        var after = ChurnTrainer.RawScores(ml, loaded.Churn, schema, Rows());

        Assert.Equal(before, after);
    }

    [Fact]
    public void FeatureContributionsComeFromAChurnModelLoadedFromDisk()
    {
        var ml = new MLContext(seed: 1);
        var loaded = ModelBundle.Load(ml, sample.BundleFolder);
        var schema = loaded.Card.FeatureContract.Schema;
        var engine = ml.Model.CreatePredictionEngine<ModelRow, ChurnScore>(loaded.Churn, inputSchemaDefinition: schema.ToSchemaDefinition());
        var original = ml.Model.CreatePredictionEngine<ModelRow, ChurnScore>(sample.Result.Bundle.Churn, inputSchemaDefinition: schema.ToSchemaDefinition());

        var row = Rows()[0];
        var fromDisk = engine.Predict(row);
        var inMemory = original.Predict(row);

        Assert.Equal(loaded.Card.Churn.SlotNames.Count, fromDisk.FeatureContributions.Length);
        Assert.Equal(inMemory.FeatureContributions, fromDisk.FeatureContributions);
        Assert.Contains(fromDisk.FeatureContributions, c => c != 0);
        var reasons = ModelExplanations.TopReasons(fromDisk.FeatureContributions, loaded.Card.Churn.SlotNames, 3);
        Assert.Equal(3, reasons.Count);
        Assert.All(reasons, r => Assert.DoesNotContain("Numeric.", r.Feature, StringComparison.Ordinal));
    }

    [Fact]
    public void TheSegmentModelAssignsTheSameSegmentsAfterLoading()
    {
        var ml = new MLContext(seed: 1);
        var loaded = ModelBundle.Load(ml, sample.BundleFolder);
        var table = FeatureBuilder.Build(sample.Data, sample.Features);
        var inputs = table.Rows.Take(300).Select(r => new SegmentInput { Rfm = SegmentFeatures.From(r) }).ToList();
        var before = ml.Model.CreatePredictionEngine<SegmentInput, SegmentAssignment>(sample.Result.Bundle.Segments!);
        var after = ml.Model.CreatePredictionEngine<SegmentInput, SegmentAssignment>(loaded.Segments!);

        Assert.Equal(inputs.Select(i => before.Predict(i).ClusterId), inputs.Select(i => after.Predict(i).ClusterId));
        var ids = loaded.Card.Segments!.Profiles.Select(p => p.Id).ToHashSet();
        Assert.All(inputs, i => Assert.Contains(loaded.Card.Segments.ClusterToSegment[(int)after.Predict(i).ClusterId], ids));
    }

    [Fact]
    public void TheCardRoundTripsThroughJson()
    {
        var card = sample.Result.Bundle.Card;

        var read = ModelBundle.ReadCard(sample.BundleFolder);

        Assert.Equal(JsonSerializer.Serialize(card, ModelBundle.CardJson), JsonSerializer.Serialize(read, ModelBundle.CardJson));
        Assert.Equal(card.Churn.Calibrator.Calibrate(0.3), read.Churn.Calibrator.Calibrate(0.3));
    }

    [Fact]
    public void TheCardDescribesDataSplitMetricsAndContract()
    {
        var card = sample.Result.Bundle.Card;

        Assert.StartsWith("mlc-", card.Version, StringComparison.Ordinal);
        Assert.Equal(2, card.Data.Files.Count);
        Assert.All(card.Data.Files, f => Assert.Equal(64, f.Sha256.Length));
        Assert.Equal(card.Data.Customers, card.Split.TrainCustomers + card.Split.HoldoutCustomers);
        Assert.Contains(card.FeatureContract.Features, f => f.Name == "recency_days" && f.Min >= 0);
        Assert.Contains(card.FeatureContract.Features, f => f.Name == "region" && f.Categories!.Count > 1);
        Assert.InRange(card.Churn.Holdout.Auc!.Value, 0.6, 1);
        Assert.NotNull(card.Churn.OracleAuc);
        Assert.Equal("recency_days", card.Churn.Baseline.Feature);
        Assert.Equal(sample.Options.Folds, card.Churn.CrossValidationAuc.Folds.Count);
        Assert.NotEmpty(card.Churn.Importance);
        Assert.Contains("Microsoft.ML", card.PackageVersions.Keys);
    }

    [Fact]
    public void TheSameDataAndSeedGiveTheSameVersionAndMetrics()
    {
        var again = BundleTrainer.TrainTransactional(
            new TransactionalInput(sample.Data, sample.Files, null), sample.Features, sample.Options);

        Assert.Equal(sample.Result.Bundle.Card.Version, again.Bundle.Card.Version);
        Assert.Equal(
            JsonSerializer.Serialize(sample.Result.Bundle.Card.Churn.Holdout, ModelBundle.CardJson),
            JsonSerializer.Serialize(again.Bundle.Card.Churn.Holdout, ModelBundle.CardJson));
        Assert.Equal(
            sample.Result.Bundle.Card.Segments!.Profiles.Select(p => (p.Id, p.Name, p.Customers)),
            again.Bundle.Card.Segments!.Profiles.Select(p => (p.Id, p.Name, p.Customers)));
    }

    [Fact]
    public void ABundleWithoutACardIsRefusedWithTheTrainingCommand()
    {
        var copy = sample.CopyOfBundle();
        File.Delete(Path.Combine(copy, ModelBundle.CardFile));

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(new MLContext(), copy));

        Assert.Contains("model-card.json is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains(ModelBundle.TrainCommand, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABundleWhoseCardDoesNotMatchItsModelIsRefused()
    {
        var copy = sample.CopyOfBundle();
        var card = ModelBundle.ReadCard(copy);
        var shorter = card with { Churn = card.Churn with { SlotNames = card.Churn.SlotNames.Skip(1).ToList() } };
        File.WriteAllText(Path.Combine(copy, ModelBundle.CardFile), JsonSerializer.Serialize(shorter, ModelBundle.CardJson));

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(new MLContext(), copy));

        Assert.Contains("does not belong to this model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABundleWithAMissingModelFileIsRefused()
    {
        var copy = sample.CopyOfBundle();
        File.Delete(Path.Combine(copy, ModelBundle.ChurnFile));

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(new MLContext(), copy));

        Assert.Contains("churn.zip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBlendedValueModelPredictsAndExplainsTheSameAfterLoading()
    {
        var ml = new MLContext(seed: 1);
        var loaded = ModelBundle.Load(ml, sample.BundleFolder);
        var schema = loaded.Card.FeatureContract.Schema;
        var blend = loaded.Card.LifetimeValue!.Blend;
        Assert.NotNull(blend);
        Assert.Equal(0.5, blend.TreeWeight);
        Assert.Equal(ValueBlend.ReasonName, loaded.Card.LifetimeValue.SlotNames[^1]);
        var rows = Rows();

        var inMemory = LifetimeValueTrainer.Predict(ml, sample.Result.Bundle.LifetimeValue!, schema, rows, sample.Result.Bundle.Card.LifetimeValue!.Blend);
        var scores = new BundleScorer(ml, loaded).Score(rows, reasons: 1000);
        var trees = LifetimeValueTrainer.Predict(ml, loaded.LifetimeValue!, schema, rows);
        var blender = blend.For(schema);

        Assert.Equal(inMemory, scores.Select(s => s.PredictedGrossProfit!.Value), new ToleranceComparer(1e-4));
        for (var i = 0; i < rows.Count; i++)
        {
            var statistical = blender.Statistical(rows[i].Numeric);
            Assert.Equal((0.5 * trees[i]) + (0.5 * statistical), scores[i].PredictedGrossProfit!.Value, 1e-3);
            // The statistical term is one reason: its weighted distance from the training customers' mean expectation.
            var reason = scores[i].ValueReasons.Where(r => r.Feature == ValueBlend.ReasonName).ToList();
            var expected = 0.5 * (statistical - blend.StatisticalBaseline!.Value);
            Assert.Equal(expected, reason.Count == 0 ? 0 : reason.Single().Contribution, 1e-2);
            Assert.Equal(statistical, reason.Count == 0 ? statistical : reason.Single().Number!.Value, 1e-2);
        }
    }

    [Fact]
    public void ABundleWhoseBlendReadsAMissingFeatureIsRefused()
    {
        var copy = sample.CopyOfBundle();
        var card = ModelBundle.ReadCard(copy);
        var broken = card with { LifetimeValue = card.LifetimeValue! with { Blend = card.LifetimeValue.Blend! with { ValueTotalFeature = "lifetime_spend" } } };
        File.WriteAllText(Path.Combine(copy, ModelBundle.CardFile), JsonSerializer.Serialize(broken, ModelBundle.CardJson));

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(new MLContext(), copy));

        Assert.Contains("'lifetime_spend'", error.Message, StringComparison.Ordinal);
        Assert.Contains(ModelBundle.TrainCommand, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RevenueIsTrainedEvaluatedSavedAndScoredLikeProfit()
    {
        var ml = new MLContext(seed: 1);
        var loaded = ModelBundle.Load(ml, sample.BundleFolder);
        var revenue = loaded.Card.Revenue;
        Assert.NotNull(revenue);
        Assert.NotNull(loaded.Revenue);
        Assert.StartsWith("revenue in the 365 days", revenue.Target, StringComparison.Ordinal);
        Assert.Contains("run rate", revenue.Baselines.Keys);
        Assert.Equal(ValueBlend.RevenueTotalFeature, revenue.Blend!.ValueTotalFeature);
        Assert.InRange(revenue.Holdout.NormalizedGini!.Value, 0.3, 1);
        var schema = loaded.Card.FeatureContract.Schema;
        var rows = Rows();

        var scores = new BundleScorer(ml, loaded).Score(rows, reasons: 0);
        var expected = LifetimeValueTrainer.Predict(ml, sample.Result.Bundle.Revenue!, schema, rows, sample.Result.Bundle.Card.Revenue!.Blend);

        Assert.Equal(expected, scores.Select(s => s.PredictedRevenue!.Value), new ToleranceComparer(1e-4));
        // Customers spend more than they earn the business: predicted revenue is above predicted profit on average.
        Assert.True(scores.Average(s => s.PredictedRevenue!.Value) > scores.Average(s => s.PredictedGrossProfit!.Value));
    }

    [Fact]
    public void ABundleWithoutItsRevenueModelIsRefused()
    {
        var copy = sample.CopyOfBundle();
        File.Delete(Path.Combine(copy, ModelBundle.RevenueFile));

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(new MLContext(), copy));

        Assert.Contains(ModelBundle.RevenueFile, error.Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
