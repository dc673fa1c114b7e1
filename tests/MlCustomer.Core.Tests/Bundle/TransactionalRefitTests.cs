using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Data;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Bundle;

/// <summary>One generated retailer trained twice with the same seed: evaluated only, and with <c>train --refit</c>.</summary>
public sealed class RefitPair : IDisposable
{
    private readonly TempFiles files = new();

    public RefitPair()
    {
        var folder = files.Folder("data");
        SampleDataGenerator.Write(new SampleDataOptions { Customers = 1_500, Seed = 7 }, folder);
        string[] paths = [Path.Combine(folder, SampleDataGenerator.TransactionsFile), Path.Combine(folder, SampleDataGenerator.CustomersFile)];
        Data = CustomerDataLoader.Load(paths[0], paths[1], new LoadOptions());
        var features = new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(Data, 180, 365) };
        // One blend weight below 1, so that the refit has BG/NBD + Gamma-Gamma to fit again.
        var options = new TrainingOptions { Folds = 3, ChurnCandidates = [ChurnOptions.DefaultCandidates[0]], Value = new() { BlendWeights = [0.5] } };
        EvaluatedResult = BundleTrainer.TrainTransactional(new TransactionalInput(Data, paths, null), features, options);
        Refitted = BundleTrainer.TrainTransactional(new TransactionalInput(Data, paths, null), features, options with { Refit = true }).Bundle;
        Table = FeatureBuilder.Build(Data, features with { IncludeLabels = false });
    }

    public CustomerDataSet Data { get; }

    public FeatureTable Table { get; }

    public TrainingResult EvaluatedResult { get; }

    public ModelBundle Evaluated => EvaluatedResult.Bundle;

    public ModelBundle Refitted { get; }

    public void Dispose() => files.Dispose();
}

/// <summary>
/// <c>train --refit</c> on transactions: every served model (churn, value, revenue, segments) is fitted again on all
/// customers, the card keeps the evaluation fit's held-out metrics and interval calibration, the explainer's covers are the
/// served trees' (so the reasons still add up), and held-out evaluation is refused.
/// </summary>
public sealed class TransactionalRefitTests(RefitPair pair) : IClassFixture<RefitPair>
{
    private readonly MLContext ml = new(seed: 1);

    [Fact]
    public void EveryServedModelSawEveryCustomerAndTheCardKeepsTheEvaluationFitsMetrics()
    {
        var (evaluated, refitted) = (pair.Evaluated.Card, pair.Refitted.Card);
        var all = evaluated.Split.TrainCustomers + evaluated.Split.HoldoutCustomers;

        Assert.Null(evaluated.Refit);
        var refit = Assert.IsType<RefitSummary>(refitted.Refit);
        Assert.Equal(all, refit.Customers);
        Assert.Equal(["churn", "lifetime value", "lifetime revenue", "segments"], refit.Models);
        Assert.Contains("the served models saw every row", refit.Rule, StringComparison.Ordinal);
        Assert.NotEqual(evaluated.Version, refitted.Version);

        // Metrics, calibration and the intervals' calibration are the evaluation fit's.
        Assert.Equal(evaluated.Churn.Holdout.Auc, refitted.Churn.Holdout.Auc);
        Assert.Equal(evaluated.Churn.OfferThreshold, refitted.Churn.OfferThreshold);
        Assert.Equal(evaluated.LifetimeValue!.Holdout.Mae, refitted.LifetimeValue!.Holdout.Mae);
        Assert.Equivalent(evaluated.LifetimeValue.Intervals, refitted.LifetimeValue.Intervals, strict: true);
        Assert.Equivalent(evaluated.Revenue!.Intervals, refitted.Revenue!.Intervals, strict: true);
        Assert.Equal(evaluated.LifetimeValue.Algorithm, refitted.LifetimeValue.Algorithm);

        // Covers and baselines are counted over every customer, on the served trees.
        Assert.Equal(evaluated.Split.TrainCustomers, evaluated.Churn.TreeCovers!.Rows);
        Assert.Equal(all, refitted.Churn.TreeCovers!.Rows);
        Assert.Contains("training and held out", refitted.Churn.TreeCovers.FittedOn, StringComparison.Ordinal);
        foreach (var value in new[] { refitted.LifetimeValue, refitted.Revenue })
        {
            Assert.Equal(all, value.TreeCovers![0].Rows);
            Assert.All(value.TreeCovers, c => Assert.Contains("training and held out", c.FittedOn, StringComparison.Ordinal));
        }

        // The blend keeps its weight; BG/NBD + Gamma-Gamma were fitted again on every customer.
        var (before, after) = (evaluated.LifetimeValue.Blend!, refitted.LifetimeValue.Blend!);
        Assert.Equal(before.TreeWeight, after.TreeWeight);
        Assert.NotEqual(before.R, after.R);
        Assert.NotEqual(before.StatisticalBaseline, after.StatisticalBaseline);

        // The segments keep the number chosen on the training customers and profile every customer.
        Assert.Equal(evaluated.Segments!.Profiles.Count, refitted.Segments!.Profiles.Count);
        Assert.Equal(evaluated.Segments.Candidates, refitted.Segments.Candidates);
        Assert.Equal(evaluated.Split.TrainCustomers, evaluated.Segments.Profiles.Sum(p => p.Customers));
        Assert.Equal(all, refitted.Segments.Profiles.Sum(p => p.Customers));
        Assert.Equal(all, refitted.TierForecast!.Customers);
    }

    [Fact]
    public void TheRefittedBundleServesOtherScoresWhoseReasonsStillAddUpExactly()
    {
        var customers = pair.Table.Rows.Take(400).ToList();
        var before = new BundleScorer(ml, pair.Evaluated).Score(customers, pair.Table.AttributeNames, reasons: 0);
        var scorer = new BundleScorer(ml, pair.Refitted);
        var explainer = Assert.IsType<BundleExplainer>(scorer.Explainer);
        var after = scorer.Score(customers, pair.Table.AttributeNames, reasons: explainer.Units.Count);

        Assert.NotEqual(before.Select(s => s.ChurnProbability), after.Select(s => s.ChurnProbability));
        Assert.NotEqual(before.Select(s => s.PredictedGrossProfit), after.Select(s => s.PredictedGrossProfit));
        Assert.NotEqual(before.Select(s => s.PredictedRevenue), after.Select(s => s.PredictedRevenue));
        Assert.All(after, s => Assert.NotNull(s.SegmentId));
        foreach (var score in after)
        {
            var churn = score.ChurnTotals!.Value;
            Assert.Equal(score.ChurnProbability, churn.Baseline + score.ChurnReasons.Sum(r => r.Contribution), 1e-5);
            Assert.Equal(0, churn.AllOther, 1e-5);
            var value = score.ValueTotals!.Value;
            var predicted = score.PredictedGrossProfit!.Value;
            Assert.True(
                Math.Abs(value.Baseline + score.ValueReasons.Sum(r => r.Contribution) - predicted) <= 1e-5 * Math.Max(1, Math.Abs(predicted)),
                $"{score.CustomerId}: value reasons do not add up to {predicted}");
        }
    }

    [Fact]
    public void ATransactionalBundleHasItsHeldOutAndOutOfFoldPredictionsForPredictionsCsv()
    {
        var result = pair.EvaluatedResult;
        var split = result.Bundle.Card.Split;

        Assert.Equal(split.HoldoutCustomers + split.TrainCustomers, result.Predictions.Count);
        var heldOut = result.Predictions.Where(p => p.Fold == "holdout").ToList();
        Assert.Equal(split.HeldOut!.Ids.Order(StringComparer.Ordinal), heldOut.Select(p => p.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(heldOut, p => Assert.NotNull(p.PredictedValue));
        Assert.Equal(["1", "2", "3"], result.Predictions.Where(p => p.Fold != "holdout").Select(p => p.Fold).Distinct().Order());
        // The held-out rows carry what the bundle serves for them.
        var rows = pair.Table.Rows.Where(r => split.HeldOut.Ids.Contains(r.CustomerId)).ToList();
        var served = new BundleScorer(ml, result.Bundle).Score(rows, pair.Table.AttributeNames, reasons: 0).ToDictionary(s => s.CustomerId);
        Assert.All(heldOut, p => Assert.Equal(served[p.CustomerId].ChurnProbability, p.ChurnProbability, 6));
        // 300 held-out customers here, so fewer than 50 churners among them is the small-data case only by chance: either way it is said with the CV spread.
        Assert.All(result.Warnings, w => Assert.Contains("cross-validated AUC", w, StringComparison.Ordinal));
    }

    [Fact]
    public void EvaluateAndCompareRefuseTheHeldOutCustomersOfARefittedBundleButMeasureOutOfTime()
    {
        var card = pair.Refitted.Card;
        var atTraining = BundleEvaluator.WindowFor(card, pair.Data, asOf: null);

        var refused = Assert.Throws<ArgumentException>(() => BundleEvaluator.Evaluate(ml, pair.Refitted, pair.Data, atTraining));
        Assert.Contains("train --refit", refused.Message, StringComparison.Ordinal);
        Assert.Contains("out-of-time", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BundleComparer.Compare(ml, pair.Evaluated, pair.Refitted, pair.Data, asOf: null));
        Assert.Equal(EvaluationBasis.HeldOut, BundleEvaluator.Evaluate(ml, pair.Evaluated, pair.Data, atTraining).Basis);

        var later = BundleEvaluator.WindowFor(card, pair.Data, pair.Data.LastOrderDate.AddDays(-180));
        Assert.Equal(EvaluationBasis.OutOfTime, BundleEvaluator.Evaluate(ml, pair.Refitted, pair.Data, later).Basis);
    }
}
