using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>Which 80% value interval a bundle serves (<c>train --value-intervals</c>).</summary>
public enum ValueIntervalForm
{
    /// <summary>
    /// Each customer's own central 80% of the two-part mixture (P(buy) × amount if buying): honest for every customer
    /// (it holds their likeliest outcome), but over 80% in deciles where most customers buy nothing, since [0, 0] covers
    /// every non-buyer. The default.
    /// </summary>
    Customer,

    /// <summary>
    /// Mondrian split-conformal by decile of predicted value: calibrated so that 80% of a decile's customers end in their
    /// interval, which in deciles where most buy nothing serves the customers likeliest to buy their amount-if-buying
    /// interval (without 0). A statement about the decile, not about the one customer.
    /// </summary>
    Decile,
}

/// <summary>One bin (a tenth of the calibration customers by predicted value) of the decile form.</summary>
/// <param name="UpperPrediction">The bin holds predicted values up to and including this; null for the last bin.</param>
/// <param name="Customers">Calibration customers (training customers' out-of-fold predictions) in the bin.</param>
/// <param name="ZeroShare">Share of them whose value was exactly 0.</param>
/// <param name="Level">
/// The level of the two-part mixture interval served to the bin's customers below the threshold: the nominal level,
/// raised (in steps of <see cref="DecileIntervals.LevelStep"/>) where the customer form covered fewer than the conformal
/// share of the bin's calibration customers.
/// </param>
/// <param name="AmountIntervalFromProbability">
/// Customers of the bin whose purchase classifier's probability is at least this are served the interval of their amount
/// if buying (which does not hold 0 unless their amount can be negative) instead of the mixture interval; null where the
/// mixture interval did not over-cover the bin.
/// </param>
/// <param name="AmountIntervalCustomers">Calibration customers of the bin at or above that probability.</param>
/// <param name="CalibrationCoverage">Share of the bin's calibration customers whose value lay within their decile-form interval.</param>
public sealed record DecileIntervalBin(
    double? UpperPrediction,
    int Customers,
    double ZeroShare,
    double Level,
    double? AmountIntervalFromProbability,
    int AmountIntervalCustomers,
    double CalibrationCoverage);

/// <summary>
/// The decile form of the 80% value interval (<see cref="ValueIntervalForm.Decile"/>): Mondrian split-conformal by bin of
/// predicted value, calibrated on the training customers' out-of-fold predictions so that each bin's coverage is the
/// level. It starts from the customer form (<see cref="TwoPartIntervals"/>) and moves each bin one way only:
/// <list type="bullet">
/// <item>a bin the customer form under-covers gets the mixture interval at a higher level (the least on a grid of
/// <see cref="LevelStep"/> that covers ⌈(n + 1)·level⌉ of its n calibration customers);</item>
/// <item>a bin it over-covers (the zeros: any interval holding 0 covers every non-buyer) serves its customers likeliest
/// to buy, by the purchase classifier's probability, the 80% interval of their amount if buying instead (of its positive
/// part where the amount can be negative enough for that interval to hold 0:
/// <see cref="TwoPartIntervals.AmountWithoutZero"/>), the fewest such customers that bring the bin's covered
/// calibration customers down to ⌈(n + 1)·level⌉.</item>
/// </list>
/// No draw: one customer always gets the same interval, and within a bin a customer likelier to buy never gets the
/// interval holding 0 while a less likely one does not. The price: a customer served the amount-if-buying interval in a
/// bin where most buy nothing is likelier to end outside it (at 0) than inside; it says "if they buy, this much", and
/// only the decile's 80% is the promise.
/// </summary>
public sealed record DecileIntervals
{
    /// <summary>Bins of predicted value: the bar is per decile.</summary>
    public const int BinCount = 10;

    /// <summary>Fewest calibration customers per bin (fewer bins where there are fewer customers).</summary>
    public const int MinimumCustomersPerBin = 100;

    /// <summary>The step by which an under-covered bin's level is raised.</summary>
    public const double LevelStep = 0.005;

    /// <summary>The most a bin's level is raised to.</summary>
    public const double MaximumLevel = 0.99;

    /// <summary>The bins in increasing order of predicted value.</summary>
    public required IReadOnlyList<DecileIntervalBin> Bins { get; init; }

    /// <summary>
    /// Calibrates per bin of predicted value on out-of-fold predictions of training customers (the served value, its two
    /// parts) and their actual values, with the two-part intervals calibrated on the same customers.
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths or fewer customers than one bin.</exception>
    public static DecileIntervals Calibrate(
        IReadOnlyList<double> predicted, IReadOnlyList<TwoPartPrediction> parts, IReadOnlyList<double> actual, TwoPartIntervals twoPart, double level)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(twoPart);
        if (predicted.Count != actual.Count || parts.Count != actual.Count)
        {
            throw new ArgumentException($"{predicted.Count} predictions, {parts.Count} two-part predictions and {actual.Count} actual values: one of each per customer.", nameof(actual));
        }

        if (predicted.Count < MinimumCustomersPerBin)
        {
            throw new ArgumentException($"Decile intervals need at least {MinimumCustomersPerBin} calibration customers; {predicted.Count:N0} given.", nameof(predicted));
        }

        var order = Enumerable.Range(0, predicted.Count).OrderBy(i => predicted[i]).ToArray();
        var cuts = ValueIntervals.EqualCountCuts(order.Select(i => predicted[i]).ToArray(), Math.Clamp(predicted.Count / MinimumCustomersPerBin, 1, BinCount), MinimumCustomersPerBin / 2);
        var bins = new List<DecileIntervalBin>(cuts.Count);
        var start = 0;
        foreach (var end in cuts)
        {
            var members = order[start..end];
            bins.Add(CalibrateBin(members, parts, actual, twoPart, level, end == order.Length ? null : predicted[members[^1]]));
            start = end;
        }

        return new DecileIntervals { Bins = bins };
    }

    /// <summary>
    /// The same bins in the served model's scale: the out-of-fold fits and the served fit (on every training customer) rank
    /// customers alike but not on the same scale — the served fit's P(buy) of a customer who never bought is not the folds'
    /// — so a bound or threshold found on out-of-fold predictions would move a different share of served customers. Each
    /// bin keeps its share of the customers, its level and its share served the amount interval; its upper bound and its
    /// probability threshold are re-read at the same ranks among the served fit's predictions of the same training customers.
    /// </summary>
    /// <exception cref="ArgumentException">Not one served prediction per calibration customer.</exception>
    public DecileIntervals InServedScale(IReadOnlyList<double> servedPredicted, IReadOnlyList<TwoPartPrediction> servedParts)
    {
        ArgumentNullException.ThrowIfNull(servedPredicted);
        ArgumentNullException.ThrowIfNull(servedParts);
        var n = Bins.Sum(b => b.Customers);
        if (servedPredicted.Count != n || servedParts.Count != n)
        {
            throw new ArgumentException($"{servedPredicted.Count} served predictions and {servedParts.Count} two-part ones for {n} calibration customers: one of each per customer.", nameof(servedPredicted));
        }

        var order = Enumerable.Range(0, n).OrderBy(i => servedPredicted[i]).ToArray();
        var bins = new List<DecileIntervalBin>(Bins.Count);
        var start = 0;
        var end = 0;
        foreach (var bin in Bins)
        {
            end += bin.Customers;
            var members = order[start..end];
            double? from = null;
            if (bin.AmountIntervalCustomers > 0)
            {
                // The same share from the top of the served P(buy): a threshold at the share's last customer (those tied with
                // them move too, as one threshold cannot split them).
                var byProbability = members.Select(i => servedParts[i].PurchaseProbability).OrderDescending().ToArray();
                from = byProbability[Math.Clamp((int)Math.Ceiling((double)bin.AmountIntervalCustomers / bin.Customers * members.Length) - 1, 0, members.Length - 1)];
            }

            bins.Add(bin with { UpperPrediction = bin.UpperPrediction is null ? null : servedPredicted[members[^1]], AmountIntervalFromProbability = from });
            start = end;
        }

        return new DecileIntervals { Bins = bins };
    }

    /// <summary>
    /// The decile-form interval of a customer whose served prediction is <paramref name="predicted"/> and whose two parts
    /// are <paramref name="parts"/>; P10 ≤ P50 ≤ P90, and the amount-if-buying interval it carries is at the nominal level.
    /// </summary>
    public ValueInterval For(double predicted, TwoPartPrediction parts, TwoPartIntervals twoPart, double level)
    {
        ArgumentNullException.ThrowIfNull(twoPart);
        return Interval(Bins[BinOf(predicted)], parts, twoPart, level);
    }

    /// <summary>The method in words, for the card.</summary>
    public string Describe(int customers, double level)
    {
        var raised = Bins.Count(b => b.Level > level);
        var amount = Bins.Count(b => b.AmountIntervalFromProbability is not null);
        var invariant = CultureInfo.InvariantCulture;
        return string.Create(invariant, $"decile form: Mondrian split-conformal by {Bins.Count} bins of predicted value on the out-of-fold predictions of {customers:N0} training customers; ") +
            string.Create(invariant, $"each bin starts from the customer form and is brought to ⌈(n+1)·{level:0.00}⌉ covered calibration customers: {raised} under-covered bin(s) get the mixture interval at a higher level ") +
            string.Create(invariant, $"(up to {Bins.Max(b => b.Level):P1}), {amount} over-covered bin(s) serve their customers likeliest to buy (by the purchase classifier's probability, from a threshold per bin; bounds and thresholds re-read at the same ranks on the served fit's predictions of the same customers) ") +
            string.Create(invariant, $"the {level:P0} interval of their amount if buying, without 0 (of the positive amounts where the whole interval would hold 0) — {Bins.Sum(b => b.AmountIntervalCustomers):N0} of the calibration customers; ") +
            "80% of a decile's customers end in their interval, but a customer served the amount-if-buying interval in a decile where most buy nothing most likely ends at 0, outside it";
    }

    private static ValueInterval Interval(DecileIntervalBin bin, TwoPartPrediction parts, TwoPartIntervals twoPart, double level)
    {
        var nominal = twoPart.For(parts, level);
        if (bin.AmountIntervalFromProbability is { } from && parts.PurchaseProbability >= from)
        {
            // The amount if buying without 0 (its own median inside, where the mixture's, 0, would not be): an interval
            // that held 0 would cover the non-buyers again and bring nothing to the bin's count.
            var (low, median, high) = twoPart.AmountWithoutZero(parts.Amount, level);
            return new ValueInterval(low, median, high)
            {
                PurchaseProbability = nominal.PurchaseProbability,
                AmountIfBuyingP10 = nominal.AmountIfBuyingP10,
                AmountIfBuyingP90 = nominal.AmountIfBuyingP90,
            };
        }

        // The amount-if-buying interval served beside the value's stays the nominal one whatever the bin's level.
        return bin.Level == level ? nominal
            : twoPart.For(parts, bin.Level) with { AmountIfBuyingP10 = nominal.AmountIfBuyingP10, AmountIfBuyingP90 = nominal.AmountIfBuyingP90 };
    }

    private static DecileIntervalBin CalibrateBin(
        int[] members, IReadOnlyList<TwoPartPrediction> parts, IReadOnlyList<double> actual, TwoPartIntervals twoPart, double level, double? upper)
    {
        var n = members.Length;
        var zeroShare = members.Count(i => actual[i] == 0) / (double)n;
        // The split-conformal count: covering ⌈(n + 1)·level⌉ of n calibration customers covers a new exchangeable one with
        // probability ≥ level.
        var wanted = Math.Min((int)Math.Ceiling((n + 1) * level), n);
        int CoveredAt(double binLevel, double? from)
        {
            var bin = new DecileIntervalBin(upper, n, zeroShare, binLevel, from, 0, 0);
            return members.Count(i => Interval(bin, parts[i], twoPart, level) is var v && v.P10 <= actual[i] && actual[i] <= v.P90);
        }

        var covered = CoveredAt(level, null);
        if (covered < wanted)
        {
            var binLevel = level;
            while (covered < wanted && binLevel + LevelStep <= MaximumLevel + 1e-9)
            {
                binLevel = Math.Round(binLevel + LevelStep, 3);
                covered = CoveredAt(binLevel, null);
            }

            return new DecileIntervalBin(upper, n, zeroShare, binLevel, null, 0, covered / (double)n);
        }

        if (covered == wanted)
        {
            return new DecileIntervalBin(upper, n, zeroShare, level, null, 0, covered / (double)n);
        }

        // Over-covered: walk down the classifier's probability, a group of equal probabilities at a time (one threshold
        // cannot split them), moving each to the amount-if-buying interval, and stop at the fewest moved that reach the
        // conformal count, or where the next group would take the bin further below it than it is above.
        var byProbability = members.OrderByDescending(i => parts[i].PurchaseProbability).ToArray();
        var mixtureCovered = members.ToDictionary(i => i, i => twoPart.For(parts[i], level) is var v && v.P10 <= actual[i] && actual[i] <= v.P90);
        bool AmountCovered(int i)
        {
            var v = Interval(new DecileIntervalBin(upper, n, zeroShare, level, double.NegativeInfinity, 0, 0), parts[i], twoPart, level);
            return v.P10 <= actual[i] && actual[i] <= v.P90;
        }

        double? from = null;
        var moved = 0;
        var k = 0;
        while (covered > wanted && k < n)
        {
            var probability = parts[byProbability[k]].PurchaseProbability;
            var end = k;
            var change = 0;
            while (end < n && parts[byProbability[end]].PurchaseProbability == probability)
            {
                var i = byProbability[end];
                change += (AmountCovered(i) ? 1 : 0) - (mixtureCovered[i] ? 1 : 0);
                end++;
            }

            // Customers of equal probability (often identical customers: the same features give the same prediction) get
            // one interval; a group that would take the bin below the count is moved only if that lands nearer to it.
            if (covered + change < wanted && wanted - (covered + change) >= covered - wanted)
            {
                break;
            }

            covered += change;
            moved = end;
            from = probability;
            k = end;
        }

        return new DecileIntervalBin(upper, n, zeroShare, level, from, moved, covered / (double)n);
    }

    private int BinOf(double predicted)
    {
        for (var b = 0; b < Bins.Count - 1; b++)
        {
            if (Bins[b].UpperPrediction is { } upper && predicted <= upper)
            {
                return b;
            }
        }

        return Bins.Count - 1;
    }
}
