using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>
/// The decile form of the value intervals: Mondrian split-conformal by decile of predicted value, deterministic, meets
/// the bars on held-out customers where the customer form over-covers the zero-heavy deciles.
/// </summary>
public sealed class DecileIntervalsTests
{
    // A zero-heavy customer base as a two-part model sees it: most customers' true chance of buying is small, the model
    // knows it with noise (over-confident, as a classifier on its fitting rows is), and a few buyers return more than
    // they bought.
    private static (TwoPartPrediction[] Parts, double[] Predicted, double[] Actual) Population(int customers, int seed)
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

        return (parts, parts.Select(p => p.PurchaseProbability * p.Amount).ToArray(), actual);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static ValueIntervals Calibrate(ValueIntervalForm served)
    {
        var (parts, predicted, actual) = Population(20_000, seed: 1);
        var twoPart = TwoPartIntervals.Calibrate(parts, actual);
        return ValueIntervals.Calibrate(predicted, actual) with
        {
            TwoPart = twoPart,
            Deciles = DecileIntervals.Calibrate(predicted, parts, actual, twoPart, ValueIntervals.DefaultLevel),
            ServedForm = served,
        };
    }

    [Fact]
    public void TheDecileFormCoversEightyPercentOfEveryHeldOutDecileWhereTheCustomerFormOverCoversTheZeros()
    {
        var intervals = Calibrate(ValueIntervalForm.Decile);
        var (parts, predicted, actual) = Population(20_000, seed: 2);

        var decile = intervals.Measure(predicted, actual, parts);
        var customer = intervals.Measure(predicted, actual, parts, ValueIntervalForm.Customer);

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
        var (parts, predicted, _) = Population(5_000, seed: 3);
        for (var i = 0; i < parts.Length; i++)
        {
            var served = intervals.For(predicted[i], parts[i])!;
            var customer = intervals.TwoPart!.For(parts[i], intervals.Level);
            Assert.True(served.P10 <= served.P50 && served.P50 <= served.P90, $"customer {i}: {served}");
            Assert.Equal(served, again.For(predicted[i], parts[i]));
            Assert.Equal(customer.PurchaseProbability, served.PurchaseProbability);
            Assert.Equal(customer.AmountIfBuyingP10, served.AmountIfBuyingP10);
            Assert.Equal(customer.AmountIfBuyingP90, served.AmountIfBuyingP90);
        }
    }

    [Fact]
    public void WithinABinTheCustomersServedTheAmountIntervalAreThoseLikeliestToBuy()
    {
        var intervals = Calibrate(ValueIntervalForm.Decile);
        var lowest = intervals.Deciles!.Bins[0];
        var from = Assert.IsType<double>(lowest.AmountIntervalFromProbability);
        Assert.InRange(lowest.CalibrationCoverage, 0.8, 0.8 + (2.0 / lowest.Customers) + 1e-12);
        var (parts, predicted, _) = Population(20_000, seed: 4);
        var inBin = Enumerable.Range(0, parts.Length).Where(i => predicted[i] <= lowest.UpperPrediction).ToArray();
        foreach (var i in inBin)
        {
            var served = intervals.For(predicted[i], parts[i])!;
            var amountInterval = (served.P10, served.P50, served.P90) == intervals.TwoPart!.AmountWithoutZero(parts[i].Amount);
            Assert.Equal(parts[i].PurchaseProbability >= from, amountInterval);
            // Served the amount if buying, the interval never holds 0 (it would cover the non-buyers again).
            Assert.True(!amountInterval || served.P10 > 0 || served.P90 < 0, $"customer {i}: {served}");
        }
    }

    [Fact]
    public void InTheServedFitsScaleEachBinServesTheSameCustomersTheAmountInterval()
    {
        var deciles = Calibrate(ValueIntervalForm.Decile).Deciles!;
        var (parts, predicted, _) = Population(20_000, seed: 1);
        // A served fit that ranks the calibration customers as the folds did, on another scale.
        var servedParts = parts.Select(p => p with { PurchaseProbability = Math.Sqrt(p.PurchaseProbability) }).ToArray();
        var servedPredicted = predicted.Select(v => (2 * v) + 1).ToArray();

        var served = deciles.InServedScale(servedPredicted, servedParts);

        Assert.Equal(deciles.Bins.Select(b => (b.Customers, b.Level, b.AmountIntervalCustomers)), served.Bins.Select(b => (b.Customers, b.Level, b.AmountIntervalCustomers)));
        int BinOf(DecileIntervals d, double value) => d.Bins.Select((b, k) => (b, k)).First(x => x.b.UpperPrediction is null || value <= x.b.UpperPrediction).k;
        bool Moved(DecileIntervals d, double value, double probability) => d.Bins[BinOf(d, value)].AmountIntervalFromProbability is { } from && probability >= from;
        for (var i = 0; i < parts.Length; i++)
        {
            Assert.Equal(BinOf(deciles, predicted[i]), BinOf(served, servedPredicted[i]));
            Assert.Equal(Moved(deciles, predicted[i], parts[i].PurchaseProbability), Moved(served, servedPredicted[i], servedParts[i].PurchaseProbability));
        }
    }

    [Fact]
    public void TheCustomerFormIsServedByDefaultAndUnchangedByTheDecileCalibration()
    {
        var customerServed = Calibrate(ValueIntervalForm.Customer);
        var (parts, predicted, actual) = Population(5_000, seed: 5);
        for (var i = 0; i < parts.Length; i++)
        {
            Assert.Equal(customerServed.TwoPart!.For(parts[i], customerServed.Level), customerServed.For(predicted[i], parts[i]));
            Assert.Equal(customerServed.TwoPart.For(parts[i], customerServed.Level), (customerServed with { ServedForm = null }).For(predicted[i], parts[i]));
        }

        Assert.Equivalent(
            (customerServed with { Deciles = null, ServedForm = null }).Measure(predicted, actual, parts) with { Form = ValueIntervalForm.Customer },
            customerServed.Measure(predicted, actual, parts),
            strict: true);
    }

    [Fact]
    public void CalibrationRefusesMismatchedOrTooFewCustomers()
    {
        var (parts, predicted, actual) = Population(500, seed: 6);
        var twoPart = TwoPartIntervals.Calibrate(parts, actual);
        Assert.Contains("one of each", Assert.Throws<ArgumentException>(() => DecileIntervals.Calibrate(predicted[..^1], parts, actual, twoPart, 0.8)).Message, StringComparison.Ordinal);
        Assert.Contains("at least 100", Assert.Throws<ArgumentException>(() => DecileIntervals.Calibrate(predicted[..50], parts[..50], actual[..50], twoPart, 0.8)).Message, StringComparison.Ordinal);
        var onePart = ValueIntervals.Calibrate(predicted, actual);
        Assert.Throws<InvalidOperationException>(() => onePart.For(predicted[0], parts[0], ValueIntervalForm.Decile));
    }
}
