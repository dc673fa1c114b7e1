using Microsoft.ML;
using MlCustomer.Core.Features;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tests.Bundle;

namespace MlCustomer.Core.Tests.Segments;

public sealed class SegmentTrainerTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    private List<CustomerFeatures> Customers() => FeatureBuilder.Build(sample.Data, sample.Features).Rows.ToList();

    [Fact]
    public void SegmentIdsFollowTheNearestCentreOfThePreviousModel()
    {
        var first = SegmentTrainer.Train(new MLContext(seed: 1), Customers(), new SegmentOptions { Segments = 4 });
        // Pretend the bundle in service numbered the same segments the other way round.
        var previous = first.Profiles.Select(p => p with { Id = 5 - p.Id }).ToList();

        var second = SegmentTrainer.Train(new MLContext(seed: 1), Customers(), new SegmentOptions { Segments = 4 }, previous);

        foreach (var profile in second.Profiles)
        {
            var nearest = previous.MinBy(p => p.Centroid.Zip(profile.Centroid, (a, b) => (a - b) * (a - b)).Sum())!;
            Assert.Equal(nearest.Id, profile.Id);
        }
    }

    [Fact]
    public void WithoutAPreviousModelIdsFollowMeanProfit()
    {
        var model = SegmentTrainer.Train(new MLContext(seed: 1), Customers(), new SegmentOptions { Segments = 4 });

        Assert.Equal([1, 2, 3, 4], model.Profiles.Select(p => p.Id));
        Assert.Equal(model.Profiles.OrderByDescending(p => p.MeanProfit).Select(p => p.Id), model.Profiles.Select(p => p.Id));
        Assert.Equal(model.Profiles.Count, model.Profiles.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public void TheAutomaticChoiceTakesTheLargestCountNearTheBestSilhouetteWithBigEnoughSegments()
    {
        var scores = new List<SegmentCountScore>
        {
            new(2, 0.43, 0.8, 0.30),
            new(3, 0.34, 0.9, 0.20),
            new(4, 0.34, 0.9, 0.10),
            new(5, 0.31, 1.0, 0.01),
            new(6, 0.25, 1.1, 0.05),
        };

        var (chosen, criterion) = SegmentTrainer.Choose(scores, new SegmentOptions());

        Assert.Equal(4, chosen); // 5 is within 70% of 0.43 but its smallest segment holds 1% < 2%
        Assert.Contains("70", criterion, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.5, 1.0, 1.0, 0.0, 0.25, 0.25, "Champions")]
    [InlineData(0.8, 0.2, 0.5, 0.0, 0.25, 0.25, "At risk")]
    [InlineData(0.8, -0.8, -0.8, 0.0, 0.25, 0.25, "Hibernating")]
    [InlineData(-0.5, -0.5, -0.5, -1.0, 0.25, 0.25, "New")]
    [InlineData(0.0, 0.0, 1.0, 0.0, 0.05, 0.25, "Big spenders, thin margin")]
    [InlineData(0.0, 0.5, 0.0, 0.0, 0.25, 0.25, "Loyal")]
    public void SegmentsAreNamedFromWhereTheirCentreSits(
        double recencyZ, double frequencyZ, double revenueZ, double tenureZ, double margin, double overallMargin, string expected)
    {
        Assert.Equal(expected, SegmentNames.Name(recencyZ, frequencyZ, revenueZ, tenureZ, margin, overallMargin).Name);
    }
}
