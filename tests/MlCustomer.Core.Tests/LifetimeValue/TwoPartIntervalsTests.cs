using Microsoft.ML;
using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>The two-part model's own intervals: P(buy) recalibrated, the amount if buying conformal, combined deterministically.</summary>
public sealed class TwoPartIntervalsTests(SmallValueData data) : IClassFixture<SmallValueData>
{
    // A retailer's customers as a two-part model sees them: each has a true chance of buying and a typical amount; the
    // "model" knows both with noise (its probability over-confident, as a classifier's own calibration on its fitting rows
    // is), and a few buyers return more than they bought (negative profit).
    private static (TwoPartPrediction[] Predicted, double[] Actual) Population(int customers, int seed)
    {
        var random = new Random(seed);
        var predicted = new TwoPartPrediction[customers];
        var actual = new double[customers];
        for (var i = 0; i < customers; i++)
        {
            var buy = Math.Pow(random.NextDouble(), 1.5);
            var amount = 30 + (600 * random.NextDouble() * random.NextDouble());
            var said = Math.Clamp(buy + (0.5 * (buy - 0.5)) + (0.05 * Normal(random)), 0.001, 0.999);
            predicted[i] = new TwoPartPrediction(said, amount * Math.Exp(0.15 * Normal(random)));
            actual[i] = random.NextDouble() >= buy ? 0
                : random.NextDouble() < 0.04 ? -amount * random.NextDouble()
                : amount * Math.Exp(0.7 * Normal(random));
        }

        return (predicted, actual);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static (ValueIntervals Intervals, IntervalCoverage Coverage, TwoPartPrediction[] Held, double[] Actual) CalibrateAndMeasure()
    {
        var (calibrationPredicted, calibrationActual) = Population(20_000, seed: 1);
        var (heldPredicted, heldActual) = Population(20_000, seed: 2);
        var intervals = ValueIntervals.Calibrate(calibrationPredicted.Select(p => p.PurchaseProbability * p.Amount).ToList(), calibrationActual) with
        {
            TwoPart = TwoPartIntervals.Calibrate(calibrationPredicted, calibrationActual),
        };
        var coverage = intervals.Measure(heldPredicted.Select(p => p.PurchaseProbability * p.Amount).ToList(), heldActual, heldPredicted);
        return (intervals, coverage, heldPredicted, heldActual);
    }

    [Fact]
    public void HeldOutCoverageIsTheLevelOverallAndWhatTheModelExpectsInEveryDecile()
    {
        var (_, coverage, _, _) = CalibrateAndMeasure();

        Assert.Equal(10, coverage.Deciles.Count);
        // Every decile sits where its customers' own intervals put it: the level where they are likely to buy, 1 − P(buy)
        // where [0, 0] is their honest interval; and every decile the model does not expect over the bar is within it.
        Assert.All(coverage.Deciles, d => Assert.InRange(d.Coverage, d.ModelCoverage!.Value - 0.03, d.ModelCoverage.Value + 0.03));
        Assert.All(
            coverage.Deciles.Where(d => d.ModelCoverage <= 0.8 + (ValueIntervals.DecileTolerance / 2)),
            d => Assert.InRange(d.Coverage, 0.8 - ValueIntervals.DecileTolerance, 0.8 + ValueIntervals.DecileTolerance));
        Assert.Contains(coverage.Deciles, d => d.ModelCoverage > 0.85);
        // The recalibrated chance of buying matches what the decile did, although the classifier's own was over-confident.
        Assert.All(coverage.Deciles, d => Assert.InRange(d.MeanPurchaseProbability!.Value, 1 - d.ZeroShare - 0.03, 1 - d.ZeroShare + 0.03));
        // The amount-if-buying interval holds 80% of the buyers in every decile: what to read for a customer who may buy.
        Assert.InRange(coverage.AmountCoverage!.Value, 0.77, 0.83);
        // (Deciles with at least 400 buyers: with fewer, sampling alone moves a share of 80% by more than 3 points.)
        Assert.All(coverage.Deciles.Where(d => d.Customers * (1 - d.ZeroShare) >= 400), d => Assert.InRange(d.AmountCoverage!.Value, 0.75, 0.85));
        // A decile over by construction is named so in the verdict, with the coverage the model expects of it.
        Assert.Contains("the model expects its customers' own intervals", coverage.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTwoPartIntervalsServeTheBuyersBetterThanTheOnePartOnesAtTheSameOverallCoverage()
    {
        var (intervals, coverage, held, actual) = CalibrateAndMeasure();
        var onePart = intervals.Measure(held.Select(p => p.PurchaseProbability * p.Amount).ToList(), actual);

        // Per-customer P(buy) instead of a bin's share of buyers: fewer customers get a [0, x] their chance does not
        // earn, so more of each decile's coverage goes to its buyers where their chance of buying is high.
        Assert.InRange(coverage.Coverage, 0.8 - ValueIntervals.OverallTolerance, 0.8 + (2 * ValueIntervals.OverallTolerance));
        var buyers = actual.Count(a => a != 0);
        double BuyersCovered(Func<int, ValueInterval> interval) =>
            Enumerable.Range(0, actual.Length).Count(i => actual[i] != 0 && interval(i).P10 <= actual[i] && actual[i] <= interval(i).P90) / (double)buyers;
        var twoPartBuyers = BuyersCovered(i => intervals.TwoPart!.For(held[i]));
        var onePartBuyers = BuyersCovered(i => intervals.For(held[i].PurchaseProbability * held[i].Amount));
        Assert.True(twoPartBuyers > onePartBuyers, $"buyers covered: two-part {twoPartBuyers:P1}, one-part {onePartBuyers:P1} ({onePart.Verdict})");
    }

    [Fact]
    public void AnIntervalIsTheCustomersOwnAndDeterministic()
    {
        var (calibrationPredicted, calibrationActual) = Population(5_000, seed: 3);
        var twoPart = TwoPartIntervals.Calibrate(calibrationPredicted, calibrationActual);

        foreach (var p in new[] { 0.001, 0.05, 0.15, 0.3, 0.5, 0.8, 0.99 })
        {
            foreach (var amount in new[] { -50.0, 0, 5, 80, 400, 5_000 })
            {
                var prediction = new TwoPartPrediction(p, amount);
                var v = twoPart.For(prediction);
                Assert.Equal(v, twoPart.For(prediction));
                Assert.True(v.P10 <= v.P50 && v.P50 <= v.P90, $"{prediction}: {v}");
                Assert.True(v.AmountIfBuyingP10 <= v.AmountIfBuyingP90, $"{prediction}: {v}");
                var chance = v.PurchaseProbability!.Value;
                if (chance < 0.2)
                {
                    // Nothing is the likeliest outcome by far: [0, 0], which the model expects to cover 1 − P(buy).
                    Assert.Equal(new ValueInterval(0, 0, 0), v with { PurchaseProbability = null, AmountIfBuyingP10 = null, AmountIfBuyingP90 = null });
                    Assert.Equal(1 - chance, twoPart.ExpectedCoverage(prediction, v), 9);
                }
                else
                {
                    // Either the interval holds 0 (the customer may buy nothing) or it lies within their own amount if buying:
                    // never a range that holds neither, as a randomized set would serve.
                    Assert.True(v.P10 <= 0 && v.P90 >= 0 || (v.P10 >= v.AmountIfBuyingP10 - 1e-9 && v.P90 <= v.AmountIfBuyingP90 + 1e-9), $"{prediction}: {v}");
                    // (The level up to the linear reading of the quantile grid between its 2% steps.)
                    Assert.InRange(twoPart.ExpectedCoverage(prediction, v), 0.78, 0.82);
                }
            }
        }

        // The recalibrated chance of buying never decreases with the classifier's.
        Assert.True(twoPart.Purchase.Zip(twoPart.Purchase.Skip(1)).All(s => s.First.BuyShare < s.Second.BuyShare));
    }

    [Fact]
    public void CalibrationRefusesTooFewCustomersOrMismatchedLengths()
    {
        var few = Enumerable.Repeat(new TwoPartPrediction(0.5, 10), 50).ToList();
        Assert.Contains("at least 200", Assert.Throws<ArgumentException>(() => TwoPartIntervals.Calibrate(few, new double[50])).Message, StringComparison.Ordinal);
        Assert.Contains("one of each", Assert.Throws<ArgumentException>(() => TwoPartIntervals.Calibrate(few, new double[49])).Message, StringComparison.Ordinal);
        var (predicted, actual) = Population(1_000, seed: 4);
        predicted[3] = new TwoPartPrediction(double.NaN, 1);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => TwoPartIntervals.Calibrate(predicted, actual)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTwoPartTreesOnAGeneratedRetailerCoverTheirHeldOutCustomers()
    {
        // The two-part trees fitted on two thirds, the intervals calibrated on that fit's out-of-fold parts (never on the
        // held-out third), measured on the rest through the parts the fitted chain serves.
        var rows = data.Rows;
        var train = rows.Where((_, i) => i % 3 != 2).ToList();
        var held = rows.Where((_, i) => i % 3 == 2).ToList();
        var ml = new MLContext(seed: 1);
        var options = SmallValueData.Options with { HorizonDays = 365, BlendWeights = [1.0] };
        var folds = Modeling.Splits.Folds(train.Select(r => r.Value != 0).ToArray(), options.Folds, seed: 1);
        var outOfFold = new TwoPartPrediction[train.Count];
        for (var fold = 0; fold < options.Folds; fold++)
        {
            var model = LifetimeValueTrainer.Fit(ml, data.Schema, train.Where((_, i) => folds[i] != fold).ToList(), options, twoPart: true, withContributions: false);
            var index = Enumerable.Range(0, train.Count).Where(i => folds[i] == fold).ToList();
            var parts = LifetimeValueTrainer.PredictParts(ml, model, data.Schema, index.Select(i => train[i]).ToList())!;
            for (var k = 0; k < index.Count; k++)
            {
                outOfFold[index[k]] = parts[k];
            }
        }

        var served = LifetimeValueTrainer.Fit(ml, data.Schema, train, options, twoPart: true, withContributions: false);
        var heldParts = LifetimeValueTrainer.PredictParts(ml, served, data.Schema, held)!;
        var twoPart = TwoPartIntervals.Calibrate(outOfFold, train.Select(r => (double)r.Value).ToList());
        var predicted = LifetimeValueTrainer.Predict(ml, served, data.Schema, held);
        Assert.All(heldParts.Zip(predicted), p => Assert.Equal(p.Second, p.First.PurchaseProbability * p.First.Amount, 3));

        var intervals = ValueIntervals.Calibrate(outOfFold.Select(p => p.PurchaseProbability * p.Amount).ToList(), train.Select(r => (double)r.Value).ToList()) with { TwoPart = twoPart };
        var coverage = intervals.Measure(predicted, held.Select(r => (double)r.Value).ToList(), heldParts);
        var expected = coverage.Deciles.Sum(d => d.ModelCoverage!.Value * d.Customers) / coverage.Customers;
        Assert.InRange(coverage.Coverage, expected - 0.05, expected + 0.05);
        Assert.InRange(coverage.AmountCoverage!.Value, 0.7, 0.9);
    }
}
