using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tests.Bundle;
using MlCustomer.Core.Tests.Data;
using MlCustomer.Core.Tiers;

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

    [Fact]
    public void EverySegmentOfATrainedBundleIsNamedUniquelyAndOnlyForWhatItsProfileShows()
    {
        var card = sample.Result.Bundle.Card.Segments!;

        SegmentNameAudit.AssertTruthful(card);
        Assert.Equal(SegmentNames.Rule, card.NamingRule);
    }

    [Fact]
    public void ManySegmentsOfOneSmallRetailerStillGetUniqueTruthfulNames()
    {
        // Ten segments of 1,500 customers: several are bound to look alike.
        var model = SegmentTrainer.Train(new MLContext(seed: 1), Customers(), new SegmentOptions { Segments = 10 });

        SegmentNameAudit.AssertTruthful(model.Profiles, model.Base);
    }

    [Fact]
    public void ProfilesShowTierAndLifecycleMixByTheRunsOwnCutOffsAndRulesAndTheChurnLabelRate()
    {
        var card = sample.Result.Bundle.Card;
        var segments = card.Segments!;
        var all = segments.Base!;
        var table = FeatureBuilder.Build(sample.Data, sample.Features);
        var byId = table.Rows.ToDictionary(r => r.CustomerId, StringComparer.Ordinal);
        var (train, _) = BundleTrainer.SplitRows(ModelDatasets.FromFeatureTable(table, sample.Options.Exclude).Rows, sample.Options);
        var members = train.Select(r => byId[r.CustomerId]).ToList();

        Assert.Equal(members.Count, all.Customers);
        Assert.Equal(members.Count(c => c.Churned == true) / (double)members.Count, all.ChurnRate!.Value, precision: 12);
        Assert.Equal(members.Count(c => card.Tiers!.Assign(c.ProfitLast365Days) == ProfitTier.D) / (double)members.Count, all.TierMix!.D, precision: 12);
        Assert.Equal(
            members.Count(c => c.TenureDays < sample.Options.Rules.Lifecycle.NewTenureDaysBelow) / (double)members.Count, all.LifecycleMix!.New, precision: 12);
        Assert.Contains(card.Tiers!.Describe(), segments.MixRule, StringComparison.Ordinal);
        Assert.Contains(sample.Options.Rules.Lifecycle.Describe(), segments.MixRule, StringComparison.Ordinal);
        foreach (var p in segments.Profiles)
        {
            Assert.Equal(1, p.TierMix!.A + p.TierMix.B + p.TierMix.C + p.TierMix.D, precision: 9);
            var stages = p.LifecycleMix!;
            Assert.Equal(1, stages.New + stages.Active + stages.AtRisk + stages.Lapsed + stages.Churned, precision: 9);
        }

        // The segments add up to the base.
        Assert.Equal(all.ChurnRate.Value, segments.Profiles.Sum(p => p.ShareOfCustomers * p.ChurnRate!.Value), precision: 9);
        Assert.Equal(all.TierMix.A, segments.Profiles.Sum(p => p.ShareOfCustomers * p.TierMix!.A), precision: 9);
        Assert.Equal(all.LifecycleMix.Churned, segments.Profiles.Sum(p => p.ShareOfCustomers * p.LifecycleMix!.Churned), precision: 9);
    }

    [Fact]
    public void TheCommittedBundlesSegmentsAreNamedUniquelyAndTruthfully()
    {
        var card = ModelBundle.ReadCard(Path.Combine(RepositoryFolders.Root, "models"));

        SegmentNameAudit.AssertTruthful(card.Segments!);
    }
}
