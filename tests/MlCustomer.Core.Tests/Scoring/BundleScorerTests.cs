using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Bundle;

namespace MlCustomer.Core.Tests.Scoring;

public sealed class BundleScorerTests(SmallSampleBundle sample, TwoPartSampleBundle twoPartSample) : IClassFixture<SmallSampleBundle>, IClassFixture<TwoPartSampleBundle>
{
    [Fact]
    public void ScoresFromFeaturesMatchTheTrainedModelAndCarryReasonsAndSegments()
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, sample.BundleFolder);
        var table = FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false });
        var customers = table.Rows.Take(500).ToList();

        var scores = new BundleScorer(ml, bundle).Score(customers, table.AttributeNames);

        var rows = ModelDatasets.FromFeatureTable(table).Rows.Take(500).ToList();
        var expected = bundle.Card.Churn.Calibrator.Calibrate(ChurnTrainer.RawScores(ml, bundle.Churn, bundle.Card.FeatureContract.Schema, rows));
        Assert.Equal(customers.Select(c => c.CustomerId), scores.Select(s => s.CustomerId));
        Assert.Equal(expected, scores.Select(s => s.ChurnProbability), new ToleranceComparer(1e-6));
        Assert.All(scores, s => Assert.InRange(s.ChurnProbability, 0, 1));
        Assert.All(scores, s => Assert.Equal(BundleScorer.DefaultReasons, s.ChurnReasons.Count));
        var names = bundle.Card.Segments!.Profiles.ToDictionary(p => p.Id, p => p.Name);
        Assert.All(scores, s => Assert.Equal(names[s.SegmentId!.Value], s.SegmentName));
    }

    [Fact]
    public void ACategoryNeverSeenInTrainingIsScoredAsOther()
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, sample.BundleFolder);
        var table = FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false });
        var customer = table.Rows[0];
        var region = table.AttributeNames.ToList().IndexOf("region");
        var attributes = customer.Attributes.ToArray();
        attributes[region] = "Atlantis";

        var row = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames).From(customer with { Attributes = attributes });

        Assert.Contains($"region={ModelDatasets.OtherCategory}", row.Categorical);
    }

    [Fact]
    public void ATwoPartValueModelServesEachCustomerTheIntervalOfTheirOwnChanceOfBuyingAndAmount()
    {
        var ml = new MLContext(seed: 1);
        var sample = twoPartSample.Sample;
        var bundle = ModelBundle.Load(ml, sample.BundleFolder);
        var value = bundle.Card.LifetimeValue!;
        // The sample's value model is the two-part trees (blended with BG/NBD): its card holds the two-part calibration,
        // their held-out coverage with what the model expects, and the one-part intervals' coverage for comparison.
        Assert.StartsWith("two-part", value.Algorithm, StringComparison.Ordinal);
        var intervals = value.Intervals!;
        Assert.NotNull(intervals.TwoPart);
        Assert.NotNull(intervals.HeldOut!.ModelCoverage);
        Assert.All(intervals.HeldOut.Deciles, d => Assert.NotNull(d.MeanPurchaseProbability));
        Assert.Equal(intervals.HeldOut.Customers, intervals.SinglePartHeldOut!.Customers);

        var table = FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false });
        var customers = table.Rows.Take(500).ToList();
        var rows = ModelDatasets.FromFeatureTable(table).Rows.Take(500).ToList();
        var scores = new BundleScorer(ml, bundle, compile: false).Score(customers, table.AttributeNames);
        var parts = Core.LifetimeValue.LifetimeValueTrainer.PredictParts(ml, bundle.LifetimeValue!, bundle.Card.FeatureContract.Schema, rows)!;

        // Each served interval is the decile form (train's default) of the customer's own P(buy), amount and id; its bin is
        // the blended prediction's.
        Assert.Equal(Core.LifetimeValue.ValueIntervalForm.Decile, intervals.ServedForm);
        Assert.All(scores.Zip(parts), p => Assert.Equal(
            intervals.For(p.First.PredictedGrossProfit!.Value, p.Second, Core.LifetimeValue.ValueIntervalForm.Decile, p.First.CustomerId), p.First.GrossProfitInterval));
        Assert.Contains(scores, s => s.GrossProfitInterval!.PurchaseProbability < 0.2 && s.GrossProfitInterval.P90 == 0);
        Assert.Contains(scores, s => s.GrossProfitInterval!.PurchaseProbability > 0.5 && s.GrossProfitInterval.P90 > 0);
        // The compiled scorer reads P(buy) from its plans and serves the same intervals.
        var compiled = new BundleScorer(ml, bundle);
        Assert.True(compiled.IsCompiled, compiled.NotCompiledReason);
        Assert.All(compiled.Score(customers, table.AttributeNames).Zip(scores), p =>
        {
            var (a, e) = (p.First.GrossProfitInterval!, p.Second.GrossProfitInterval!);
            Assert.True(
                Core.Scoring.Compiled.CompiledBundle.Agrees(a.PurchaseProbability!.Value, e.PurchaseProbability!.Value) && Core.Scoring.Compiled.CompiledBundle.Agrees(a.P90, e.P90),
                $"{p.First.CustomerId}: {a} against {e}");
        });
        // A stored prediction alone does not give a two-part interval: the card gives none rather than a different one.
        Assert.Null(bundle.Card.GrossProfitInterval(scores[0].PredictedGrossProfit));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}

/// <summary>The small sample bundle with its value model held to the two-part trees (the default sample's folds choose one part).</summary>
public sealed class TwoPartSampleBundle : IDisposable
{
    public SmallSampleBundle Sample { get; } = new(new TrainingOptions { Folds = 3, Value = new() { BlendWeights = [0.5], TwoPartOnly = true } });

    public void Dispose() => Sample.Dispose();
}
