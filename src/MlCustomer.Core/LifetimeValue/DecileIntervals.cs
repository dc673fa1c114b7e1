using System.Globalization;
using System.Text.Json.Serialization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>Which 80% value interval a bundle serves (<c>train --value-intervals</c>).</summary>
public enum ValueIntervalForm
{
    /// <summary>
    /// Each customer's own central 80% of the two-part mixture (P(buy) × amount if buying): honest for every customer
    /// (it holds their likeliest outcome), but over 80% in deciles where most customers buy nothing, since [0, 0] covers
    /// every non-buyer. Served by bundles trained before the decile form became the default.
    /// </summary>
    Customer,

    /// <summary>
    /// Mondrian split-conformal by decile of predicted value: calibrated so that 80% of a decile's customers end in their
    /// interval, which in deciles where most buy nothing serves some customers (by their chance of buying and a draw from
    /// their id) their amount-if-buying interval (without 0). A statement about the decile, not about the one customer. The
    /// default of <c>train</c>.
    /// </summary>
    Decile,
}

/// <summary>One bin (a tenth of the calibration customers by predicted value) of the decile form.</summary>
/// <param name="UpperPrediction">The bin holds predicted values up to and including this; null for the last bin.</param>
/// <param name="Customers">Calibration customers (training customers' out-of-fold predictions) in the bin.</param>
/// <param name="ZeroShare">Share of them whose value was exactly 0.</param>
/// <param name="Level">
/// The level of the two-part mixture interval served to the bin's customers not drawn for the amount interval: the nominal
/// level, raised (in steps of <see cref="DecileIntervals.LevelStep"/>) where the customer form covered fewer than the
/// conformal share of the bin's calibration customers.
/// </param>
/// <param name="AmountIntervalFromProbability">
/// Bundles trained before <paramref name="CoverageTarget"/>: customers of the bin whose purchase classifier's probability is
/// at least this were served the interval of their amount if buying. Null in newer bundles.
/// </param>
/// <param name="AmountIntervalCustomers">
/// Calibration customers of the bin served the amount interval: expected (the sum of their chances, rounded) where the
/// bin has a <paramref name="CoverageTarget"/>.
/// </param>
/// <param name="CalibrationCoverage">
/// Share of the bin's calibration customers whose value lay within their decile-form interval (expected over the draws
/// where the bin has a <paramref name="CoverageTarget"/>).
/// </param>
/// <param name="CoverageTarget">
/// Where the mixture interval over-covers the bin: the coverage the model is to expect of each customer's interval. A
/// customer whose mixture interval the model expects to cover more (1 − P(buy) for [0, 0]) is served their amount-if-buying
/// interval with the chance that brings their expected coverage down to it (<see cref="DecileIntervals.AmountChance"/>), by
/// a reproducible draw from their id (<see cref="DecileIntervals.TieDraw"/>). Null where the bin is not over-covered.
/// </param>
public sealed record DecileIntervalBin(
    double? UpperPrediction,
    int Customers,
    double ZeroShare,
    double Level,
    double? AmountIntervalFromProbability,
    int AmountIntervalCustomers,
    double CalibrationCoverage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CoverageTarget = null);

/// <summary>
/// The decile form of the 80% value interval (<see cref="ValueIntervalForm.Decile"/>): Mondrian split-conformal by bin of
/// predicted value, calibrated on the training customers' out-of-fold predictions — predictions of customers the fitting
/// model never saw, as the served model's of new customers are (the served fit's own predictions of its training customers
/// are in-sample and were not used) — so that each bin's coverage is the level. It starts from the customer form
/// (<see cref="TwoPartIntervals"/>) and moves each bin one way only:
/// <list type="bullet">
/// <item>a bin the customer form under-covers gets the mixture interval at a higher level (the least on a grid of
/// <see cref="LevelStep"/> that covers ⌈(n + 1)·level⌉ of its n calibration customers);</item>
/// <item>a bin it over-covers (the zeros: [0, 0] covers every non-buyer) gets a coverage target below 1 (but not below the
/// level), the lowest on a grid of <see cref="TargetStep"/> whose expected covered count stays at ⌈(n + 1)·level⌉: each of
/// its customers whose mixture interval the model expects to cover more than the target is served the 80% interval of their
/// amount if buying instead (without 0: <see cref="TwoPartIntervals.AmountWithoutZero"/>) with the chance
/// (<see cref="AmountChance"/>) that brings the coverage the model expects of them down to the target.</item>
/// </list>
/// The draw is a seeded hash of the customer's id (<see cref="TieDraw"/>): one customer always gets the same interval, and
/// the customers tied at one prediction (hundreds of never-buyers share a leaf) are moved in the calibrated proportion, not
/// all or none. Because the chance follows each customer's own P(buy), any slice of a bin (a held-out decile straddling two
/// bins) is moved in its own proportion. The price: a customer served the amount-if-buying interval in a bin where most buy
/// nothing is likelier to end outside it (at 0) than inside; it says "if they buy, this much", and only the decile's 80%
/// (and the model's expected 80% over the draw) is the promise.
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

    /// <summary>The step by which an over-covered bin's coverage target is lowered from 1.</summary>
    public const double TargetStep = 0.001;

    /// <summary>The bins in increasing order of predicted value.</summary>
    public required IReadOnlyList<DecileIntervalBin> Bins { get; init; }

    /// <summary>
    /// The seed of <see cref="TieDraw"/> (the training seed): the same customer id always draws the same number. Not written
    /// where 0 (and <see cref="DecileIntervalBin.CoverageTarget"/> not where null), so that a bundle trained before them
    /// reads and hashes to the version its card states.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int TieSeed { get; init; }

    /// <summary>
    /// Calibrates per bin of predicted value on out-of-fold predictions of training customers (the served value, its two
    /// parts) and their actual values, with the two-part intervals calibrated on the same customers; <paramref name="seed"/>
    /// seeds the draws (<see cref="TieDraw"/>) that decide which customers get the amount interval.
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths or fewer customers than one bin.</exception>
    public static DecileIntervals Calibrate(
        IReadOnlyList<double> predicted, IReadOnlyList<TwoPartPrediction> parts, IReadOnlyList<double> actual, TwoPartIntervals twoPart, double level, int seed)
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

        return new DecileIntervals { Bins = bins, TieSeed = seed };
    }

    /// <summary>
    /// A customer's reproducible draw in [0, 1) from their id and the seed (FNV-1a of the id's UTF-16 code units, mixed with
    /// the seed by the SplitMix64 finaliser): it decides which of the customers tied at a bin's threshold get the amount
    /// interval, so that the share moved is the calibrated one in expectation, and one customer always gets the same interval.
    /// </summary>
    public static double TieDraw(string customerId, int seed)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var hash = 14695981039346656037UL;
        foreach (var c in customerId)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        var z = hash + (0x9E3779B97F4A7C15UL * (ulong)(uint)seed);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// The decile-form interval of the customer <paramref name="customerId"/> whose served prediction is
    /// <paramref name="predicted"/> and whose two parts are <paramref name="parts"/>; P10 ≤ P50 ≤ P90, and the
    /// amount-if-buying interval it carries is at the nominal level.
    /// </summary>
    public ValueInterval For(double predicted, TwoPartPrediction parts, string customerId, TwoPartIntervals twoPart, double level)
    {
        ArgumentNullException.ThrowIfNull(twoPart);
        ArgumentNullException.ThrowIfNull(customerId);
        return Interval(Bins[BinOf(predicted)], parts, customerId, TieSeed, twoPart, level);
    }

    /// <summary>The method in words, for the card.</summary>
    public string Describe(int customers, double level)
    {
        var raised = Bins.Count(b => b.Level > level);
        var amount = Bins.Count(b => b.CoverageTarget is not null || b.AmountIntervalFromProbability is not null);
        var invariant = CultureInfo.InvariantCulture;
        return string.Create(invariant, $"decile form: Mondrian split-conformal by {Bins.Count} bins of predicted value on the out-of-fold predictions of {customers:N0} training customers; ") +
            string.Create(invariant, $"each bin starts from the customer form and is brought to ⌈(n+1)·{level:0.00}⌉ covered calibration customers: {raised} under-covered bin(s) get the mixture interval at a higher level ") +
            string.Create(invariant, $"(up to {Bins.Max(b => b.Level):P1}), {amount} over-covered bin(s) a coverage target (down to {Bins.Min(b => b.CoverageTarget ?? 1):P1}, never below {level:P0}): a customer whose mixture interval the model expects to cover more is served ") +
            string.Create(invariant, $"the {level:P0} interval of their amount if buying, without 0 (of the positive amounts where the whole interval would hold 0), with the chance that brings the model's expected coverage down to the target, ") +
            string.Create(invariant, $"by a draw from a hash of their id (seed {TieSeed}) — {Bins.Sum(b => b.AmountIntervalCustomers):N0} of the calibration customers expected; ") +
            "80% of a decile's customers end in their interval, but a customer served the amount-if-buying interval in a decile where most buy nothing most likely ends at 0, outside it";
    }

    /// <summary>
    /// The chance that a customer is served their amount-if-buying interval (<paramref name="amount"/>) instead of the
    /// mixture interval (<paramref name="mixture"/>) in a bin whose coverage target is <paramref name="target"/>: the one
    /// that brings the coverage the model expects of them, π·(amount's) + (1 − π)·(mixture's), down to the target; 0 where
    /// the mixture interval is not expected to cover more than the target, 1 where even the amount interval is.
    /// </summary>
    public static double AmountChance(TwoPartIntervals twoPart, TwoPartPrediction parts, ValueInterval mixture, ValueInterval amount, double target)
    {
        ArgumentNullException.ThrowIfNull(twoPart);
        return ChanceFromCoverages(twoPart.ExpectedCoverage(parts, mixture), twoPart.ExpectedCoverage(parts, amount), target);
    }

    private static double ChanceFromCoverages(double withMixture, double withAmount, double target) =>
        withMixture <= target ? 0
        : withAmount >= target ? 1
        : (withMixture - target) / (withMixture - withAmount);

    // The amount if buying without 0 (its own median inside, where the mixture's, 0, would not be): an interval that held 0
    // would cover the non-buyers again and bring nothing to the bin's count.
    private static ValueInterval AmountInterval(TwoPartPrediction parts, ValueInterval nominal, TwoPartIntervals twoPart, double level)
    {
        var (low, median, high) = twoPart.AmountWithoutZero(parts.Amount, level);
        return new ValueInterval(low, median, high)
        {
            PurchaseProbability = nominal.PurchaseProbability,
            AmountIfBuyingP10 = nominal.AmountIfBuyingP10,
            AmountIfBuyingP90 = nominal.AmountIfBuyingP90,
        };
    }

    // The draw is taken only where the customer can be drawn (their mixture interval expected to cover more than the
    // target): most customers of most bins cost no hash and no amount interval.
    private static ValueInterval Interval(DecileIntervalBin bin, TwoPartPrediction parts, string customerId, int seed, TwoPartIntervals twoPart, double level)
    {
        var nominal = twoPart.For(parts, level);
        if (bin.CoverageTarget is { } target)
        {
            var withMixture = twoPart.ExpectedCoverage(parts, nominal);
            if (withMixture <= target)
            {
                return nominal;
            }

            var amount = AmountInterval(parts, nominal, twoPart, level);
            return TieDraw(customerId, seed) < ChanceFromCoverages(withMixture, twoPart.ExpectedCoverage(parts, amount), target) ? amount : nominal;
        }

        if (bin.AmountIntervalFromProbability is { } from && parts.PurchaseProbability >= from)
        {
            return AmountInterval(parts, nominal, twoPart, level);
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
        bool Covers(ValueInterval v, int i) => v.P10 <= actual[i] && actual[i] <= v.P90;
        int CoveredAt(double binLevel) => members.Count(i => Covers(Interval(new DecileIntervalBin(upper, n, zeroShare, binLevel, null, 0, 0), parts[i], "", 0, twoPart, level), i));

        var covered = CoveredAt(level);
        if (covered < wanted)
        {
            var binLevel = level;
            while (covered < wanted && binLevel + LevelStep <= MaximumLevel + 1e-9)
            {
                binLevel = Math.Round(binLevel + LevelStep, 3);
                covered = CoveredAt(binLevel);
            }

            return new DecileIntervalBin(upper, n, zeroShare, binLevel, null, 0, covered / (double)n);
        }

        if (covered == wanted)
        {
            return new DecileIntervalBin(upper, n, zeroShare, level, null, 0, covered / (double)n);
        }

        // Over-covered (the zeros: [0, 0] covers every non-buyer): lower the coverage target from 1 in steps of
        // TargetStep while the covered count expected over the draws stays at or above the conformal count. Each
        // customer's chance of the amount interval follows their own P(buy), so any slice of the bin — a held-out decile
        // that straddles two bins, the customers tied at one prediction — is moved in its own proportion, not the bin's.
        var mixture = members.Select(i => twoPart.For(parts[i], level)).ToArray();
        var amount = members.Select((i, k) => AmountInterval(parts[i], mixture[k], twoPart, level)).ToArray();
        var mixtureCovers = members.Select((i, k) => Covers(mixture[k], i) ? 1.0 : 0).ToArray();
        var amountCovers = members.Select((i, k) => Covers(amount[k], i) ? 1.0 : 0).ToArray();
        var mixtureExpects = members.Select((i, k) => twoPart.ExpectedCoverage(parts[i], mixture[k])).ToArray();
        var amountExpects = members.Select((i, k) => twoPart.ExpectedCoverage(parts[i], amount[k])).ToArray();
        (double Covered, double Moved) Expected(double target)
        {
            var (sum, moved) = (0.0, 0.0);
            for (var k = 0; k < n; k++)
            {
                var chance = ChanceFromCoverages(mixtureExpects[k], amountExpects[k], target);
                sum += (chance * amountCovers[k]) + ((1 - chance) * mixtureCovers[k]);
                moved += chance;
            }

            return (sum, moved);
        }

        var chosen = 1.0;
        var at = Expected(chosen);
        for (var step = 1; step <= (int)Math.Round(1 / TargetStep); step++)
        {
            var target = Math.Round(1 - (step * TargetStep), 6);
            // Never below the level: a bin the customer form over-covers although its customers' mixture intervals are
            // expected to cover the level exactly (P(buy) ≥ 1 − level) is the calibration sample's luck, not the atom's
            // free coverage (committed data, decile 7: lowering it there took the held-out decile from 78.0% to 73.5%).
            if (target < level)
            {
                break;
            }

            var next = Expected(target);
            if (next.Covered < wanted)
            {
                break;
            }

            (chosen, at) = (target, next);
        }

        return new DecileIntervalBin(upper, n, zeroShare, level, null, (int)Math.Round(at.Moved), at.Covered / n, chosen);
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
