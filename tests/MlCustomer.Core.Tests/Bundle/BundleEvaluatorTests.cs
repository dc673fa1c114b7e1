using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Features;

namespace MlCustomer.Core.Tests.Bundle;

/// <summary>evaluate and compare measure on customers the bundle never fitted on, and say which.</summary>
public sealed class BundleEvaluatorTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    private readonly MLContext ml = new(seed: 1);

    private ModelBundle Bundle => sample.Result.Bundle;

    private ModelCard Card => sample.Result.Bundle.Card;

    [Fact]
    public void AtTheTrainingDateOnlyTheHeldOutCustomersCountAndTheCardsMetricsComeBack()
    {
        var window = BundleEvaluator.WindowFor(Card, sample.Data, asOf: null);

        var evaluation = BundleEvaluator.Evaluate(ml, Bundle, sample.Data, window);

        Assert.Equal(Card.AsOfDate, window.AsOfDate);
        Assert.Equal(EvaluationBasis.HeldOut, evaluation.Basis);
        Assert.Equal(Card.Split.HoldoutCustomers, evaluation.Customers);
        Assert.Equal(Card.Split.TrainCustomers, evaluation.CustomersExcluded);
        Assert.Equal(Card.Split.HeldOut!.Ids, evaluation.Scored.Select(s => s.CustomerId).Order(StringComparer.Ordinal));
        Assert.Equal(Card.Churn.Holdout.Auc!.Value, evaluation.Churn!.Auc!.Value, 9);
        Assert.Equal(Card.Churn.Holdout.LogLoss, evaluation.Churn.LogLoss, 6);
        Assert.Equal(Card.LifetimeValue!.Holdout.Mae, evaluation.Value!.Mae, 3);
        Assert.Empty(evaluation.NotComputed);
        Assert.Contains(
            $"held-out customers only: {Card.Split.HoldoutCustomers:N0} held out, {Card.Split.TrainCustomers:N0} training customers excluded",
            evaluation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterTheTrainingDateEveryCustomerCountsOutOfTimeAndAValueHorizonPastTheDataIsNotComputed()
    {
        var asOf = sample.Data.LastOrderDate.AddDays(-180);
        var window = BundleEvaluator.WindowFor(Card, sample.Data, asOf);

        var evaluation = BundleEvaluator.Evaluate(ml, Bundle, sample.Data, window);

        Assert.Equal(EvaluationBasis.OutOfTime, evaluation.Basis);
        Assert.Equal(FeatureBuilder.Build(sample.Data, new FeatureOptions { AsOfDate = asOf, IncludeLabels = false }).Rows.Count, evaluation.Customers);
        Assert.Equal(0, evaluation.CustomersExcluded);
        Assert.StartsWith("out-of-time: every customer at", evaluation.Description, StringComparison.Ordinal);
        Assert.NotNull(evaluation.Churn);
        Assert.Null(evaluation.Value);
        var reason = Assert.Single(evaluation.NotComputed);
        Assert.StartsWith("value not computed: its 365-day horizon", reason, StringComparison.Ordinal);
        Assert.All(evaluation.Scored, s => Assert.Null(s.ActualProfit));
    }

    [Fact]
    public void AnAsOfDateWhereNoOutcomeIsKnownYetIsRefused()
    {
        var window = BundleEvaluator.WindowFor(Card, sample.Data, sample.Data.LastOrderDate.AddDays(-30));

        var error = Assert.Throws<ArgumentException>(() => BundleEvaluator.Evaluate(ml, Bundle, sample.Data, window));

        Assert.Contains("Nothing to measure", error.Message, StringComparison.Ordinal);
        Assert.Contains("churn not computed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABundleThatDoesNotRecordItsHeldOutCustomersIsRefusedAtItsTrainingDateButBacktestsOutOfTime()
    {
        var old = new ModelBundle(Card with { Split = Card.Split with { HeldOut = null } }, Bundle.Churn, Bundle.Segments, Bundle.LifetimeValue, Bundle.Rules, Bundle.Revenue);

        var error = Assert.Throws<ModelBundleException>(() =>
            BundleEvaluator.Evaluate(ml, old, sample.Data, BundleEvaluator.WindowFor(old.Card, sample.Data, null)));
        var later = BundleEvaluator.Evaluate(ml, old, sample.Data, BundleEvaluator.WindowFor(old.Card, sample.Data, sample.Data.LastOrderDate.AddDays(-180)));

        Assert.Contains("does not record which customers were held out", error.Message, StringComparison.Ordinal);
        Assert.Equal(EvaluationBasis.OutOfTime, later.Basis);
    }

    [Fact]
    public void ACustomerTableBundleIsToldToUseItsCard()
    {
        var table = Card with { AsOfDate = null, ChurnHorizonDays = null, ValueHorizonDays = null, InputKind = "customer-table" };

        var error = Assert.Throws<ArgumentException>(() => BundleEvaluator.WindowFor(table, sample.Data, null));

        Assert.Contains("customer table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABundleComparedWithItselfDiffersByNothing()
    {
        var comparison = BundleComparer.Compare(ml, Bundle, Bundle, sample.Data, asOf: null, resamples: 50);

        Assert.Equal(Card.Split.HoldoutCustomers, comparison.PairedCustomers);
        Assert.Equal(["churn AUC", "churn log loss", "churn Brier", "value Gini", "value MAE"], comparison.Differences.Select(d => d.Metric));
        Assert.All(comparison.Differences, d => Assert.Equal((0.0, 0.0, 0.0), (d.Difference, d.Lower, d.Upper)));
        Assert.Equal("churn AUC, churn log loss, churn Brier, value Gini, value MAE identical", comparison.Verdict());
    }

    [Fact]
    public void AnotherChurnModelIsComparedOnTheSameHeldOutCustomersWithIntervalsAroundEachDifference()
    {
        // One shallow candidate: a weaker churn model on the same split, so the held-out customers are the same.
        var weaker = BundleTrainer.TrainTransactional(
            new TransactionalInput(sample.Data, sample.Files, null), sample.Features,
            sample.Options with { ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 5, NumberOfLeaves = 2 }] }).Bundle;

        var comparison = BundleComparer.Compare(ml, Bundle, weaker, sample.Data, asOf: null, resamples: 200);
        var again = BundleComparer.Compare(ml, Bundle, weaker, sample.Data, asOf: null, resamples: 200);

        Assert.NotEqual(Card.Version, weaker.Card.Version);
        Assert.Equal(Card.Split.HeldOut!.Sha256, weaker.Card.Split.HeldOut!.Sha256);
        Assert.Equal(Card.Split.HoldoutCustomers, comparison.PairedCustomers);
        var auc = comparison.Differences.Single(d => d.Metric == "churn AUC");
        Assert.Equal(weaker.Card.Churn.Holdout.Auc!.Value - Card.Churn.Holdout.Auc!.Value, auc.Difference, 9);
        Assert.InRange(auc.Difference, auc.Lower, auc.Upper);
        Assert.True(auc.Upper > auc.Lower);
        Assert.Equal(comparison.Differences, again.Differences);
        Assert.StartsWith("challenger", comparison.Verdict(), StringComparison.Ordinal);
    }
}
