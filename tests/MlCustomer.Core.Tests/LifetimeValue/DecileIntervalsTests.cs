using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>
/// The decile form of the value intervals: Mondrian split-conformal by decile of predicted value, reproducible (a draw
/// from a seeded hash of the customer id), meets the bars on held-out customers where the customer form
/// over-covers the zero-heavy deciles.
/// </summary>
public sealed class DecileIntervalsTests
{
    // A zero-heavy customer base as a two-part model sees it: most customers' true chance of buying is small, the model
    // knows it with noise (over-confident, as a classifier on its fitting rows is), and a few buyers return more than
    // they bought.
    private static (TwoPartPrediction[] Parts, double[] Predicted, double[] Actual, string[] Ids) Population(int customers, int seed)
    {
        var random = new Random(seed);
        var parts = new TwoPartPrediction[customers];
        var actual = new double[customers];
        for (var i = 0; i < customers; i++)
        {
            var buy = 0.0005 + (0.99 * Math.Pow(random.NextDouble(), 3));
            var amount = 30 + (600 * random.NextDouble() * random.NextDouble());
            var said = 1 / (1 + Math.Exp(-((1.3 * Math.Log(buy / (1 - buy))) + (0.3 * Normal(random)))));
            parts[i] = new TwoPartPrediction(said, amount * Math.Exp(0.15 * Normal(random)));
            actual[i] = random.NextDouble() >= buy ? 0
                : random.NextDouble() < 0.04 ? -amount * random.NextDouble()
                : amount * Math.Exp(0.7 * Normal(random));
        }

        return (parts, parts.Select(p => p.PurchaseProbability * p.Amount).ToArray(), actual, Enumerable.Range(0, customers).Select(i => $"P{seed}-{i}").ToArray());
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static ValueIntervals Calibrate(ValueIntervalForm served)
    {
        var (parts, predicted, actual, _) = Population(20_000, seed: 1);
        var twoPart = TwoPartIntervals.Calibrate(parts, actual);
        return ValueIntervals.Calibrate(predicted, actual) with
        {
            TwoPart = twoPart,
            Deciles = DecileIntervals.Calibrate(predicted, parts, actual, twoPart, ValueIntervals.DefaultLevel, seed: 42),
            ServedForm = served,
        };
    }

    [Fact]
    public void TheDecileFormCoversEightyPercentOfEveryHeldOutDecileWhereTheCustomerFormOverCoversTheZeros()
    {
        var intervals = Calibrate(ValueIntervalForm.Decile);
        var (parts, predicted, actual, ids) = Population(20_000, seed: 2);

        var decile = intervals.Measure(predicted, actual, parts, customerIds: ids);
        var customer = intervals.Measure(predicted, actual, parts, ValueIntervalForm.Customer, ids);

        Assert.Equal(ValueIntervalForm.Decile, decile.Form);
        Assert.True(decile.MeetsBars, decile.Verdict);
        Assert.All(decile.Deciles, d => Assert.InRange(d.Coverage, 0.8 - ValueIntervals.DecileTolerance, 0.8 + ValueIntervals.DecileTolerance));
        Assert.InRange(decile.Coverage, 0.8 - ValueIntervals.OverallTolerance, 0.8 + ValueIntervals.OverallTolerance);
        // The same customers under the customer form: the zero-heavy deciles over-cover (so the bar above is not met for free).
        Assert.False(customer.MeetsBars);
        Assert.Contains(customer.Deciles, d => d.Coverage > 0.8 + (2 * ValueIntervals.DecileTolerance));
        // The price, visible: the lowest decile serves more intervals without 0 than the customer form does.
        Assert.True(decile.Deciles[^1].WithoutZeroShare > customer.Deciles[^1].WithoutZeroShare + 0.1);
    }

    [Fact]
    public void EveryDecileFormIntervalIsOrderedCarriesTheNominalAmountIntervalAndIsTheSameOnEveryCall()
    {
        var intervals = Calibrate(ValueIntervalForm.Decile);
        var again = Calibrate(ValueIntervalForm.Decile);
        Assert.Equivalent(intervals.Deciles, again.Deciles, strict: true);
        var (parts, predicted, _, ids) = Population(5_000, seed: 3);
        for (var i = 0; i < parts.Length; i++)
        {
            var served = intervals.For(predicted[i], parts[i], ids[i])!;
            var customer = intervals.TwoPart!.For(parts[i], intervals.Level);
            Assert.True(served.P10 <= served.P50 && served.P50 <= served.P90, $"customer {i}: {served}");
            Assert.Equal(served, again.For(predicted[i], parts[i], ids[i]));
            Assert.Equal(served, intervals.For(predicted[i], parts[i], ids[i]));
            Assert.Equal(customer.PurchaseProbability, served.PurchaseProbability);
            Assert.Equal(customer.AmountIfBuyingP10, served.AmountIfBuyingP10);
            Assert.Equal(customer.AmountIfBuyingP90, served.AmountIfBuyingP90);
        }
    }

    [Fact]
    public void WithinABinACustomerGetsTheAmountIntervalByTheirDrawAgainstTheirOwnChanceAndNeverBelowTheLevelByTheModel()
    {
        var intervals = Calibrate(ValueIntervalForm.Decile);
        var twoPart = intervals.TwoPart!;
        var lowest = intervals.Deciles!.Bins[0];
        var target = Assert.IsType<double>(lowest.CoverageTarget);
        Assert.InRange(target, intervals.Level, 1);
        // Calibrated in expectation over the draws: the conformal count, give or take what one step of the target moves.
        Assert.InRange(lowest.CalibrationCoverage, 0.8, 0.8 + 0.01);
        var (parts, predicted, _, ids) = Population(20_000, seed: 4);
        var inBin = Enumerable.Range(0, parts.Length).Where(i => predicted[i] <= lowest.UpperPrediction).ToArray();
        Assert.True(inBin.Length > 1_000);
        var served = 0;
        var expected = 0.0;
        foreach (var i in inBin)
        {
            var interval = intervals.For(predicted[i], parts[i], ids[i])!;
            var mixture = twoPart.For(parts[i], intervals.Level);
            var amount = twoPart.AmountWithoutZero(parts[i].Amount);
            var amountInterval = new ValueInterval(amount.P10, amount.P50, amount.P90)
            {
                PurchaseProbability = mixture.PurchaseProbability,
                AmountIfBuyingP10 = mixture.AmountIfBuyingP10,
                AmountIfBuyingP90 = mixture.AmountIfBuyingP90,
            };
            var chance = DecileIntervals.AmountChance(twoPart, parts[i], mixture, amountInterval, target);
            var isAmount = (interval.P10, interval.P50, interval.P90) == amount;
            Assert.Equal(DecileIntervals.TieDraw(ids[i], 42) < chance, isAmount);
            Assert.Equal(isAmount ? amountInterval : mixture, interval);
            // Served the amount if buying, the interval never holds 0 (it would cover the non-buyers again).
            Assert.True(!isAmount || interval.P10 > 0 || interval.P90 < 0, $"customer {i}: {interval}");
            // Only customers whose own interval is [0, 0] are drawn: a conservative plan reads the same low end from both forms.
            Assert.True(!isAmount || mixture is { P10: 0, P90: 0 }, $"customer {i}: {mixture}");
            Assert.Equal(mixture.PlanningLow(), interval.PlanningLow());
            // Over the draw, the model expects at least the level of every customer whose mixture interval it expects that of.
            var overDraw = (chance * twoPart.ExpectedCoverage(parts[i], amountInterval)) + ((1 - chance) * twoPart.ExpectedCoverage(parts[i], mixture));
            Assert.True(overDraw >= Math.Min(twoPart.ExpectedCoverage(parts[i], mixture), intervals.Level) - 1e-12, $"customer {i}: {overDraw}");
            served += isAmount ? 1 : 0;
            expected += chance;
        }

        // The draws move the chances' sum, within four binomial standard deviations.
        Assert.InRange(served, expected - (4 * Math.Sqrt(expected)), expected + (4 * Math.Sqrt(expected)));
    }

    [Fact]
    public void CustomersTiedAtOnePredictionAreMovedInTheirChancesProportionByAReproducibleDrawFromTheirId()
    {
        var intervals = Calibrate(ValueIntervalForm.Decile);
        var lowest = intervals.Deciles!.Bins[0];
        // 4,000 never-buyers the trees cannot tell apart (one leaf): the same prediction and parts, different ids.
        var (parts, predicted, _, _) = Population(20_000, seed: 7);
        var one = Enumerable.Range(0, parts.Length).First(i => predicted[i] <= lowest.UpperPrediction && parts[i].PurchaseProbability < 0.05);
        var ids = Enumerable.Range(0, 4_000).Select(k => $"tied-{k}").ToArray();
        var mixture = intervals.TwoPart!.For(parts[one], intervals.Level);
        var amount = intervals.TwoPart.AmountWithoutZero(parts[one].Amount);
        var amountInterval = new ValueInterval(amount.P10, amount.P50, amount.P90);
        var chance = DecileIntervals.AmountChance(intervals.TwoPart, parts[one], mixture, amountInterval, lowest.CoverageTarget!.Value);
        Assert.InRange(chance, 0.05, 0.95);

        bool Moved(string id, ValueIntervals with) => with.For(predicted[one], parts[one], id)!.P10 > 0;
        var moved = ids.Count(id => Moved(id, intervals));
        var sd = Math.Sqrt(ids.Length * chance * (1 - chance));
        Assert.InRange(moved, (ids.Length * chance) - (4 * sd), (ids.Length * chance) + (4 * sd));
        // Another seed draws other customers, in the same proportion; the same seed always the same ones.
        var reseeded = intervals with { Deciles = intervals.Deciles with { TieSeed = 7 } };
        Assert.NotEqual(ids.Where(id => Moved(id, intervals)), ids.Where(id => Moved(id, reseeded)));
        var again = Calibrate(ValueIntervalForm.Decile);
        Assert.Equal(ids.Where(id => Moved(id, intervals)), ids.Where(id => Moved(id, again)));
        Assert.All(ids.Take(100), id => Assert.InRange(DecileIntervals.TieDraw(id, 42), 0, 1 - 1e-17));
    }

    [Fact]
    public void TheCustomerFormIsServedWhereChosenOrWhereABundleSaysNoFormAndIsUnchangedByTheDecileCalibration()
    {
        var customerServed = Calibrate(ValueIntervalForm.Customer);
        var (parts, predicted, actual, ids) = Population(5_000, seed: 5);
        for (var i = 0; i < parts.Length; i++)
        {
            Assert.Equal(customerServed.TwoPart!.For(parts[i], customerServed.Level), customerServed.For(predicted[i], parts[i], ids[i]));
            Assert.Equal(customerServed.TwoPart.For(parts[i], customerServed.Level), (customerServed with { ServedForm = null }).For(predicted[i], parts[i], ids[i]));
        }

        Assert.Equivalent(
            (customerServed with { Deciles = null, ServedForm = null }).Measure(predicted, actual, parts) with { Form = ValueIntervalForm.Customer },
            customerServed.Measure(predicted, actual, parts),
            strict: true);
    }

    [Fact]
    public void CalibrationRefusesMismatchedOrTooFewCustomers()
    {
        var (parts, predicted, actual, ids) = Population(500, seed: 6);
        var twoPart = TwoPartIntervals.Calibrate(parts, actual);
        Assert.Contains("one of each", Assert.Throws<ArgumentException>(() => DecileIntervals.Calibrate(predicted[..^1], parts, actual, twoPart, 0.8, 42)).Message, StringComparison.Ordinal);
        Assert.Contains("at least 100", Assert.Throws<ArgumentException>(() => DecileIntervals.Calibrate(predicted[..50], parts[..50], actual[..50], twoPart, 0.8, 42)).Message, StringComparison.Ordinal);
        var onePart = ValueIntervals.Calibrate(predicted, actual);
        Assert.Throws<InvalidOperationException>(() => onePart.For(predicted[0], parts[0], ValueIntervalForm.Decile, ids[0]));
        var decile = onePart with { TwoPart = twoPart, Deciles = DecileIntervals.Calibrate(predicted, parts, actual, twoPart, 0.8, 42) };
        Assert.Contains("ids", Assert.Throws<ArgumentException>(() => decile.Measure(predicted, actual, parts, ValueIntervalForm.Decile)).Message, StringComparison.Ordinal);
    }
}
