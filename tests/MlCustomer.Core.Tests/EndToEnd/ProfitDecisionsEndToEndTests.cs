using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Bundle;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.EndToEnd;

/// <summary>
/// From generated orders to the decisions marketing acts on, with the Core API only: features at an as-of
/// date, the saved bundle's scores, the rules, the pyramid, the movement between two dates and the target list.
/// </summary>
public sealed class ProfitDecisionsEndToEndTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    private readonly ModelBundle bundle = ModelBundle.Load(new MLContext(seed: 1), sample.BundleFolder);

    [Fact]
    public void DecidingAtTheTrainingDateGivesEveryTierTheCountStoredInTheCard()
    {
        var decisions = DecideAt(bundle.Card.AsOfDate!.Value);

        var cutoffs = bundle.Card.Tiers!;
        foreach (var tier in Enum.GetValues<ProfitTier>())
        {
            Assert.Equal(cutoffs.Counts.Of(tier), decisions.Count(d => d.Tier == tier));
        }

        Assert.Equal(cutoffs.LossMaking, decisions.Count(d => d.LossMaking));
    }

    [Fact]
    public void TheCardsTierForecastIsWhatDecidingAtTheTrainingDateGives()
    {
        var decisions = DecideAt(bundle.Card.AsOfDate!.Value);

        var forecast = bundle.Card.TierForecast!;
        var again = TierForecast.Of(decisions, forecast.Basis);
        Assert.Equal(again.Cells, forecast.Cells);
        Assert.Equal(decisions.Count(d => d.PredictedProfit < 0), forecast.PredictedLossMaking);
        Assert.True(forecast.PredictedIn(ProfitTier.D) > 0, "predicted profit after cost-to-serve puts somebody in D");

        // The card's offer figure went through the one offer rule on held-out customers with observed churn.
        var offer = bundle.Card.Churn.OfferThreshold!;
        Assert.Contains("held-out customers have a paid offer", offer.Basis, StringComparison.Ordinal);
        Assert.Contains("observed churn", offer.Basis, StringComparison.Ordinal);
        Assert.True(offer.Considered <= decisions.Count(d => d.PaidOffer));
    }

    [Fact]
    public void ScoringNowDecidesEveryCustomerAndThePyramidConcentratesProfitAtTheTop()
    {
        var table = Features(sample.Data.LastOrderDate);
        var decisions = DecideAt(sample.Data.LastOrderDate);

        Assert.Equal(table.Rows.Select(r => r.CustomerId), decisions.Select(d => d.CustomerId));
        Assert.All(decisions, d => Assert.Equal(8, d.Reasons.Count));
        var pyramid = ProfitConcentration.Compute(decisions);
        Assert.Equal(decisions.Count, pyramid.Tiers.Sum(t => t.Customers));
        Assert.All(pyramid.Tiers, t => Assert.True(t.Customers > 0, $"tier {t.Tier} is empty"));
        Assert.True(pyramid.TopProfitShare > 0.5, pyramid.Describe());
        Assert.True(pyramid.Tiers[0].Profit > pyramid.Tiers[1].Profit && pyramid.Tiers[1].Profit > pyramid.Tiers[3].Profit);
        Assert.Contains(decisions, d => d.FalseBigCustomer);
        Assert.All(decisions.Where(d => d.LossMaking), d => Assert.False(d.PaidOffer));
    }

    [Fact]
    public void TheTargetListSpendsAtMostTheBudgetOnPaidOffersByExpectedReturn()
    {
        var decisions = DecideAt(sample.Data.LastOrderDate);

        var list = RetentionTargets.Choose(decisions, TargetOptions.From(bundle.Rules, budget: 1_000) with { OfferCost = 20 });

        Assert.NotEmpty(list.Targets);
        Assert.True(list.Spend <= 1_000);
        Assert.Equal(list.Targets.Sum(t => t.OfferCost), list.Spend, 9);
        Assert.All(list.Targets, t => Assert.True(t.Customer.PaidOffer && t.ExpectedReturn > 0));
        Assert.Equal(list.Targets.Select(t => t.ExpectedReturn).OrderByDescending(r => r), list.Targets.Select(t => t.ExpectedReturn));
        Assert.Equal((list.ExpectedSavedProfit - list.Spend) / list.Spend, list.Roi!.Value, 9);
        Assert.Equal(decisions.Count, list.Considered);
        Assert.Equal(decisions.Count(d => !d.PaidOffer), list.WithoutPaidOffer);
    }

    [Fact]
    public void MovementBetweenTwoDatesAccountsForEveryCustomerOnce()
    {
        var later = sample.Data.LastOrderDate;
        var earlier = later.AddDays(-180);
        var before = DecideAt(earlier).ToDictionary(d => d.CustomerId, StringComparer.Ordinal);
        var after = DecideAt(later).ToDictionary(d => d.CustomerId, StringComparer.Ordinal);

        var movement = TierMovement.Compare(before, after);

        var both = before.Keys.Count(after.ContainsKey);
        Assert.Equal(before.Keys.Union(after.Keys).Count(), movement.Counts.Sum(c => c.Customers));
        Assert.Equal(both, movement.Migration.Sum(c => c.Customers));
        Assert.Equal(after.Count - both, movement.Count(MovementCategory.New));
        Assert.True(movement.Count(MovementCategory.Sleeping) > 0);
        Assert.True(movement.Count(MovementCategory.Loyal) > 0);
        Assert.Equal(
            before.Values.Where(d => after.ContainsKey(d.CustomerId)).Sum(d => d.ProfitLast365Days),
            movement.Migration.Sum(c => c.ProfitBefore),
            6);
    }

    private FeatureTable Features(DateOnly asOf) => FeatureBuilder.Build(sample.Data, new FeatureOptions
    {
        AsOfDate = asOf,
        ChurnHorizonDays = bundle.Card.ChurnHorizonDays!.Value,
        ValueHorizonDays = bundle.Card.ValueHorizonDays!.Value,
        IncludeLabels = false,
    });

    /// <summary>Features at <paramref name="asOf"/>, the bundle's scores, and the bundle's rules with the card's cut-offs.</summary>
    private List<CustomerDecision> DecideAt(DateOnly asOf)
    {
        var table = Features(asOf);
        var scores = new BundleScorer(new MLContext(seed: 1), bundle).Score(table.Rows, table.AttributeNames);
        return table.Rows.Select((features, i) => CustomerDecision.Decide(
            CustomerFacts.From(features, scores[i].ChurnProbability, scores[i].PredictedGrossProfit!.Value, bundle.Card.ValueHorizonDays!.Value, scores[i].SegmentName),
            bundle.Card.Tiers!,
            bundle.Rules)).ToList();
    }
}
