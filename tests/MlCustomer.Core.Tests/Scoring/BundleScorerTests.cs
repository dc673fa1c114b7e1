using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Bundle;

namespace MlCustomer.Core.Tests.Scoring;

public sealed class BundleScorerTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
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

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
