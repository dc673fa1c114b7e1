using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>Split-conformal value intervals: coverage on held-out customers, zeros, order, and the model choice by metric.</summary>
public sealed class ValueIntervalsTests(SmallValueData data) : IClassFixture<SmallValueData>
{
    // A zero-inflated, heteroscedastic population like a retailer's: the chance of buying and the spend both grow
    // with a customer's (known) mean; the "model" predicts that mean with some noise. Calibration and held-out
    // customers are independent draws of the same population, as split-conformal assumes.
    private static (double[] Predicted, double[] Actual) Population(int customers, int seed)
    {
        var random = new Random(seed);
        var predicted = new double[customers];
        var actual = new double[customers];
        for (var i = 0; i < customers; i++)
        {
            var buy = 0.05 + (0.9 * random.NextDouble());
            var spend = 20 + (400 * random.NextDouble() * buy);
            var mean = buy * spend;
            predicted[i] = mean * Math.Exp(0.2 * Normal(random));
            actual[i] = random.NextDouble() < buy ? spend * Math.Exp(0.8 * Normal(random)) - (random.NextDouble() < 0.05 ? spend : 0) : 0;
        }

        return (predicted, actual);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void HeldOutCoverageIsWithinTheBarsOverallAndInEveryDecileWhereZerosDoNotFillTheInterval()
    {
        var (calibrationPredicted, calibrationActual) = Population(20_000, seed: 1);
        var (heldPredicted, heldActual) = Population(20_000, seed: 2);

        var intervals = ValueIntervals.Calibrate(calibrationPredicted, calibrationActual);
        var coverage = intervals.Measure(heldPredicted, heldActual);

        Assert.InRange(coverage.Coverage, 0.80 - ValueIntervals.OverallTolerance, 0.80 + ValueIntervals.OverallTolerance);
        Assert.Equal(10, coverage.Deciles.Count);
        // A decile where more than 80% buy nothing is covered at least at its share of zeros by any interval holding 0;
        // every other decile must be within the bar, the top ones above all.
        Assert.All(
            coverage.Deciles.Where(d => d.ZeroShare < 0.75),
            d => Assert.InRange(d.Coverage, 0.80 - ValueIntervals.DecileTolerance, 0.80 + ValueIntervals.DecileTolerance));
        Assert.All(coverage.Deciles.Where(d => d.ZeroShare >= 0.75), d => Assert.InRange(d.Coverage, 0.75, Math.Max(0.85, d.ZeroShare + 0.02)));
        // Each decile's coverage among those who bought, next to its own: where a third or more bought nothing the
        // zeros sit inside the interval, so the buyers are covered less than the decile (here 60–67%), and the card says so.
        Assert.All(coverage.Deciles.Where(d => d.ZeroShare < 0.5), d => Assert.InRange(d.BuyerCoverage!.Value, 0.55, 0.95));
        Assert.All(coverage.Deciles.Where(d => d.ZeroShare is > 0.3 and < 0.75), d => Assert.True(d.BuyerCoverage < d.Coverage, $"{d}"));
        // Wider where value is uncertain: the top decile's intervals are wider than the bottom's.
        Assert.True(coverage.Deciles[0].MeanWidth > 3 * coverage.Deciles[^1].MeanWidth);
    }

    [Fact]
    public void WhereMostBuyNothingTheIntervalIsZeroForEveryoneAndTheBuyersCoverageSaysSo()
    {
        // 90% buy nothing whatever the prediction: each customer's own 10–90% range is [0, 0], the same for every
        // customer with the same prediction (no draw), so the bin over-covers at its share of zeros and misses every buyer.
        var random = new Random(5);
        var predicted = Enumerable.Range(0, 3_000).Select(_ => 5 + random.NextDouble()).ToArray();
        var actual = predicted.Select(_ => random.NextDouble() < 0.9 ? 0 : 20 + (200 * random.NextDouble())).ToArray();
        var intervals = ValueIntervals.Calibrate(predicted, actual);

        Assert.All(predicted, p => Assert.Equal(new ValueInterval(0, 0, 0), intervals.For(p)));
        var coverage = intervals.Measure(predicted, actual);
        Assert.All(coverage.Deciles, d =>
        {
            Assert.Equal(d.ZeroShare, d.Coverage, 12);
            Assert.Equal(0, d.BuyerCoverage);
        });
        Assert.False(coverage.MeetsBars);
        Assert.Contains("over by construction", coverage.Verdict, StringComparison.Ordinal);
        Assert.Contains("its buyers 0.0", coverage.Verdict, StringComparison.Ordinal);

        // Nobody bought: no buyers' coverage rather than a made-up one.
        var none = intervals.Measure([5.5, 5.6], [0, 0]);
        Assert.All(none.Deciles, d => Assert.Null(d.BuyerCoverage));
    }

    [Fact]
    public void ADecileTheIntervalsMissIsReportedWithHowFarItMisses()
    {
        // Held-out big spenders far more volatile than at calibration: overall coverage can still look fine, but the
        // per-decile check must name the top decile and say by how much it misses.
        var (calibrationPredicted, calibrationActual) = Population(20_000, seed: 1);
        var (heldPredicted, heldActual) = Population(20_000, seed: 2);
        var top = heldPredicted.Order().ElementAt(heldPredicted.Length * 9 / 10);
        var volatile_ = heldActual.Select((a, i) => heldPredicted[i] > top ? a * 4 : a).ToArray();

        var coverage = ValueIntervals.Calibrate(calibrationPredicted, calibrationActual).Measure(heldPredicted, volatile_);

        Assert.False(coverage.MeetsBars);
        Assert.True(coverage.Deciles[0].Coverage < 0.75, coverage.Verdict);
        Assert.Matches(@"decile 1 \(2,000 customers, \d+ % with 0\) \d+\.\d % misses 80 % ± 5 points by \d+\.\d points \(too narrow; its buyers \d+\.\d %\)", coverage.Verdict);
    }

    [Fact]
    public void IntervalsAreOrderedAndStartAtExactlyZeroWhereMostCustomersBuyNothing()
    {
        var (predicted, actual) = Population(5_000, seed: 3);
        var intervals = ValueIntervals.Calibrate(predicted, actual);

        foreach (var p in predicted.Concat([-50, 0, 1e-9, 1e6]))
        {
            var v = intervals.For(p);
            Assert.True(v.P10 <= v.P50 && v.P50 <= v.P90, $"{p}: {v}");
        }

        // The lowest bin is mostly zeros: P10 and P50 are 0 exactly, not a rounding step off it.
        var lowest = intervals.Bins[0];
        Assert.True(lowest.ZeroShare > 0.5);
        var low = intervals.For(predicted.Min() + 1e-6);
        Assert.Equal(0, low.P10);
        Assert.Equal(0, low.P50);
    }

    [Fact]
    public void CalibrationRefusesTooFewOrMismatchedCustomers()
    {
        Assert.Contains("at least 20", Assert.Throws<ArgumentException>(() => ValueIntervals.Calibrate([1, 2], [1, 2])).Message, StringComparison.Ordinal);
        Assert.Contains("one of each", Assert.Throws<ArgumentException>(() => ValueIntervals.Calibrate(new double[30], new double[29])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueModelOnAGeneratedRetailerCoversItsHeldOutCustomers()
    {
        // Fit on two thirds of the generated customers, calibrate on that fit's out-of-fold predictions, measure on the rest.
        // Every third customer held out: ids follow signup order, so a block at the end would be the newest customers only.
        var rows = data.Rows;
        var train = rows.Where((_, i) => i % 3 != 2).ToList();
        var held = rows.Where((_, i) => i % 3 == 2).ToList();
        var ml = new MLContext(seed: 1);
        var model = LifetimeValueTrainer.Train(ml, data.Schema, train, SmallValueData.Options with { HorizonDays = 365 }, seed: 1);
        var intervals = ValueIntervals.Calibrate(model.OutOfFold, train.Select(r => (double)r.Value).ToList());
        var predicted = LifetimeValueTrainer.Predict(ml, model.Model, data.Schema, held, model.Blend);
        var coverage = intervals.Measure(predicted, held.Select(r => (double)r.Value).ToList());

        Assert.InRange(coverage.Coverage, 0.80 - ValueIntervals.OverallTolerance, 0.80 + ValueIntervals.OverallTolerance);
        Assert.All(predicted.Select(intervals.For), v => Assert.True(v.P10 <= v.P50 && v.P50 <= v.P90));
    }

    [Fact]
    public void TheFormIsChosenByTheRequestedMetricAndReproducibly()
    {
        static CrossValidated Of(double value) => CrossValidated.Of([value, value]);
        ValueCandidate[] candidates =
        [
            new(TwoPart: false, TreeWeight: 1.0, Gini: Of(0.70), Mae: Of(100), Rmse: Of(200)),
            new(TwoPart: true, TreeWeight: 1.0, Gini: Of(0.75), Mae: Of(98), Rmse: Of(210)),
            new(TwoPart: true, TreeWeight: 0.3, Gini: Of(0.72), Mae: Of(90), Rmse: Of(205)),
            new(TwoPart: false, TreeWeight: 0.0, Gini: Of(0.68), Mae: Of(95), Rmse: Of(190)),
        ];

        Assert.Equal(1, LifetimeValueTrainer.Choose(candidates, ValueMetric.Gini));
        Assert.Equal(2, LifetimeValueTrainer.Choose(candidates, ValueMetric.Mae));
        Assert.Equal(3, LifetimeValueTrainer.Choose(candidates, ValueMetric.Rmse));

        // Within the tie tolerance the weight on the trees wins.
        ValueCandidate[] tied = [new(false, 0.2, Of(0.7), Of(100.0), Of(1)), new(false, 0.9, Of(0.7), Of(100.1), Of(1))];
        Assert.Equal(1, LifetimeValueTrainer.Choose(tied, ValueMetric.Mae));
    }

    [Fact]
    public void TrainingPicksTheCandidateBestOnTheRequestedMetricAndTheSameTwice()
    {
        var options = SmallValueData.Options with { HorizonDays = 365, Metric = ValueMetric.Mae, BlendWeights = [0, 0.5] };
        var first = LifetimeValueTrainer.Train(new MLContext(seed: 1), data.Schema, data.Rows, options, seed: 1);
        var second = LifetimeValueTrainer.Train(new MLContext(seed: 1), data.Schema, data.Rows, options, seed: 1);

        Assert.Equal(first.Algorithm, second.Algorithm);
        Assert.Equal(first.OutOfFold, second.OutOfFold);
        Assert.Equal(ValueMetric.Mae, first.Metric);
        Assert.Equal(6, first.Candidates.Count);
        var best = first.Candidates.Min(c => c.Mae.Mean);
        var chosen = first.Candidates[LifetimeValueTrainer.Choose(first.Candidates, ValueMetric.Mae)];
        Assert.InRange(chosen.Mae.Mean, best, best * (1 + LifetimeValueTrainer.ErrorTieTolerance));
        Assert.Contains("lowest mean MAE", first.Selection, StringComparison.Ordinal);
        Assert.Equal(chosen.TreeWeight < 1, first.Blend is not null);
    }
}
