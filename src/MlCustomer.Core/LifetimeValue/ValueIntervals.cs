using System.Globalization;
using System.Text.Json.Serialization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>A customer's 80% prediction interval for a predicted value (profit or revenue over the horizon).</summary>
/// <param name="P10">The value the customer will reach or exceed with 90% probability (lower bound; may be 0 or negative).</param>
/// <param name="P50">The median outcome (for most customers of a zero-heavy base it is 0: they buy nothing in the horizon).</param>
/// <param name="P90">The value the customer stays at or below with 90% probability (upper bound).</param>
public sealed record ValueInterval(double P10, double P50, double P90)
{
    /// <summary>P90 − P10, in currency over the horizon.</summary>
    public double Width => P90 - P10;
}

/// <summary>
/// One bin of predicted value with its quantiles of the normalized residual
/// s = (actual − c) / c, c = max(predicted, <see cref="ValueIntervals.ScaleFloor"/>).
/// </summary>
/// <param name="UpperPrediction">The bin holds predictions up to and including this; null for the last bin (no upper end).</param>
/// <param name="Customers">Calibration customers (out-of-fold predictions of the training part) in the bin.</param>
/// <param name="Lower">The conformal lower quantile of s (⌊(n + 1)·0.1⌋-th smallest).</param>
/// <param name="Median">The median of s.</param>
/// <param name="Upper">The conformal upper quantile of s: the (b + ⌈(n + 1)·0.8⌉)-th smallest, b the scores below <paramref name="Lower"/>
/// (the usual ⌈(n + 1)·0.9⌉-th without ties, fewer when the lower bound sits on an atom of zeros).</param>
/// <param name="ZeroShare">Share of the bin's calibration customers whose actual value was exactly 0.</param>
/// <param name="BuyerShare">
/// Where more than the level of the bin bought nothing, [<paramref name="Lower"/>, <paramref name="Upper"/>] is [0, 0] and would
/// cover every one of them: this share of the bin's customers (picked by <see cref="ValueIntervals.Draw"/> of their id) is
/// served the buyers' range instead, so that the bin's coverage is the level; 0 elsewhere.
/// </param>
/// <param name="BuyerLower">The buyers' range: the 10% quantile of s among customers of the bin with a positive value (pooled with the next bins up while fewer than <see cref="ValueIntervals.MinimumBuyers"/>).</param>
/// <param name="BuyerMedian">Their median of s.</param>
/// <param name="BuyerUpper">Their 90% quantile of s.</param>
public sealed record IntervalBin(
    double? UpperPrediction,
    int Customers,
    double Lower,
    double Median,
    double Upper,
    double ZeroShare,
    // Left out of the card where 0 (every bin of a bundle calibrated before them), so those bundles keep their versions.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double BuyerShare = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double BuyerLower = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double BuyerMedian = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double BuyerUpper = 0);

/// <summary>Held-out coverage of one tenth of the customers by predicted value.</summary>
/// <param name="Decile">1 = highest predictions … 10 = lowest.</param>
/// <param name="Customers">Held-out customers in the decile.</param>
/// <param name="LowestPredicted">The decile's lowest predicted value.</param>
/// <param name="HighestPredicted">The decile's highest predicted value.</param>
/// <param name="Coverage">Share of the decile whose actual value lay within [P10, P90].</param>
/// <param name="MeanWidth">Mean P90 − P10.</param>
/// <param name="ZeroShare">Share of the decile whose actual value was exactly 0 (an interval from 0 covers those for free).</param>
public sealed record DecileCoverage(int Decile, int Customers, double LowestPredicted, double HighestPredicted, double Coverage, double MeanWidth, double ZeroShare);

/// <summary>How the intervals did on customers no model was fitted on.</summary>
/// <param name="Customers">Held-out customers.</param>
/// <param name="Coverage">Share of them whose actual value lay within [P10, P90].</param>
/// <param name="MeanWidth">Mean P90 − P10, in currency over the horizon.</param>
/// <param name="Deciles">Coverage per decile of predicted value, highest first.</param>
/// <param name="MeetsBars">True when coverage is within <see cref="ValueIntervals.OverallTolerance"/> of the level and every decile within <see cref="ValueIntervals.DecileTolerance"/>.</param>
/// <param name="Verdict">The bars and how far each missed one is, in words.</param>
public sealed record IntervalCoverage(int Customers, double Coverage, double MeanWidth, IReadOnlyList<DecileCoverage> Deciles, bool MeetsBars, string Verdict);

/// <summary>
/// Per-customer 80% prediction intervals for a value model by split-conformal prediction, Mondrian by bin of predicted
/// value: the training customers' out-of-fold predictions (each from a fit that never saw the customer) are cut into
/// bins of about equal size by predicted value, and each bin keeps conformal lower and upper quantiles (and the median)
/// of the relative residual s = (actual − c) / c, c = max(predicted, floor). A served customer's interval is
/// c × (1 + quantile) with the quantiles of the bin its prediction falls in, so intervals
/// widen where value is uncertain (each bin has its own spread) and scale with the prediction inside a bin.
/// </summary>
/// <remarks>
/// Why relative: value is zero-inflated (most customers buy nothing in the horizon), and an actual 0 has s = −1
/// exactly, whatever the prediction. So when at least 10% (50%) of a bin's
/// customers had 0, its lower quantile (median) is −1 or below and P10 (P50) is 0 or below, exactly 0 where the atom is
/// the quantile: the interval starts at 0 for those customers instead of at an arbitrary small amount. Profit can be
/// negative (returns, loss-making orders), so nothing is clipped at 0. Why per bin: one set of quantiles for all
/// customers would cover the many low-value customers (mostly zeros) and miss the few high-value ones; the bins give
/// each range of predicted value its own coverage. The guarantee is split-conformal's: for customers exchangeable with
/// the calibration customers of their bin, P(P10 ≤ actual ≤ P90) ≥ 80%; the served model is fitted on all training
/// customers rather than 4/5 of them, so it errs a little less than the out-of-fold fits and the intervals are if
/// anything slightly wide.
/// <para>
/// The point mass at 0: where more than 80% of a bin bought nothing, no interval that holds 0 can cover only 80%, and
/// one that leaves 0 out covers at most the buyers. Such a bin is served a randomized prediction set, the way
/// conformal prediction treats ties: the customers whose <see cref="Draw"/> (a fixed function of the customer id, so the
/// same customer always gets the same interval) falls below the bin's <see cref="IntervalBin.BuyerShare"/> get the
/// buyers' range (c × (1 + the 10%, 50%, 90% quantiles of s among the bin's customers who bought), which leaves 0
/// out), the others [0, 0]; the share is chosen so that the bin's coverage is the level. For one such customer the
/// interval is therefore not its own 10%–90% range (that would be [0, 0]); over the customers of a decile it covers
/// 80%, as the bars ask, instead of the share of zeros.
/// </para>
/// </remarks>
public sealed record ValueIntervals
{
    /// <summary>The nominal coverage of [P10, P90].</summary>
    public const double DefaultLevel = 0.8;

    /// <summary>Held-out coverage overall must lie within this of the level (3 points).</summary>
    public const double OverallTolerance = 0.03;

    /// <summary>Held-out coverage of every decile of predicted value must lie within this of the level (5 points).</summary>
    public const double DecileTolerance = 0.05;

    /// <summary>Most bins of predicted value.</summary>
    public const int MaximumBins = 30;

    /// <summary>Fewest calibration customers per bin: with fewer, the 10% and 90% quantiles rest on a handful of customers.</summary>
    public const int MinimumCustomersPerBin = 150;

    /// <summary>Nominal coverage of [P10, P90] (0.8).</summary>
    public double Level { get; init; } = DefaultLevel;

    /// <summary>
    /// The floor of a prediction's scale as a share of the calibration customers' mean |actual value| (5%): predictions
    /// below it (near 0, or negative) are read at the floor, so that nothing is divided by almost nothing and their
    /// bins' intervals are the quantiles of the actual value there.
    /// </summary>
    public const double ScaleFloorShare = 0.05;

    /// <summary>
    /// The least scale of a residual, in currency (<see cref="ScaleFloorShare"/> of the calibration customers' mean
    /// |actual value|).
    /// </summary>
    public required double ScaleFloor { get; init; }

    /// <summary>The bins in increasing order of predicted value.</summary>
    public required IReadOnlyList<IntervalBin> Bins { get; init; }

    /// <summary>How the intervals were calibrated, in words.</summary>
    public required string Method { get; init; }

    /// <summary>Coverage and width on the held-out customers; null before they are measured (or without held-out rows).</summary>
    public IntervalCoverage? HeldOut { get; init; }

    /// <summary>
    /// Calibrates intervals on out-of-fold predictions and the actual values of the same customers.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 20 customers, different lengths, or a value that is not finite.</exception>
    public static ValueIntervals Calibrate(IReadOnlyList<double> predicted, IReadOnlyList<double> actual, double level = DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        if (predicted.Count != actual.Count)
        {
            throw new ArgumentException($"{predicted.Count} predictions and {actual.Count} actual values: one of each per customer.", nameof(actual));
        }

        if (predicted.Count < 20)
        {
            throw new ArgumentException($"Value intervals need at least 20 calibration customers; {predicted.Count} given.", nameof(predicted));
        }

        if (predicted.Concat(actual).Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Value intervals need finite predictions and actual values.", nameof(predicted));
        }

        var meanAbsolute = actual.Average(Math.Abs);
        var floor = meanAbsolute > 0 ? ScaleFloorShare * meanAbsolute : 1;
        var order = Enumerable.Range(0, predicted.Count).OrderBy(i => predicted[i]).ToArray();
        var binCount = Math.Clamp(predicted.Count / MinimumCustomersPerBin, 1, MaximumBins);

        // Cut at equal counts, then move each cut past predictions equal to the one at it, so a prediction always
        // lands in one bin; a bin emptied that way merges with the next.
        var cuts = new List<int>();
        for (var b = 1; b < binCount; b++)
        {
            var at = (int)((long)b * order.Length / binCount);
            while (at < order.Length && at > 0 && predicted[order[at]] == predicted[order[at - 1]])
            {
                at++;
            }

            if (at < order.Length && (cuts.Count == 0 || at - cuts[^1] >= MinimumCustomersPerBin / 2) && order.Length - at >= MinimumCustomersPerBin / 2)
            {
                cuts.Add(at);
            }
        }

        cuts.Add(order.Length);
        var tail = (1 - level) / 2;
        double Score(int i) => (actual[i] - Centre(predicted[i], floor)) / Centre(predicted[i], floor);
        var bins = new List<IntervalBin>(cuts.Count);
        var start = 0;
        foreach (var end in cuts)
        {
            var members = order[start..end];
            var scores = members.Select(Score).Order().ToArray();
            var n = scores.Length;
            var lower = scores[Math.Clamp((int)Math.Floor((n + 1) * tail), 1, n) - 1];

            // The upper bound takes the level's share of scores from the lower bound up: without ties at the lower bound
            // this is the usual ⌈(n+1)·0.9⌉-th score, but when the lower bound sits on the atom of zeros (s = −1), every
            // zero is covered, and the usual rank would cover 90% of the bin rather than 80%.
            var below = Array.FindIndex(scores, v => v >= lower);
            var highRank = Math.Clamp(below + (int)Math.Ceiling((n + 1) * level), 1, n);
            var upper = scores[highRank - 1];
            var zeroShare = members.Count(i => actual[i] == 0) / (double)n;
            var bin = new IntervalBin(
                end == order.Length ? null : predicted[members[^1]],
                n,
                lower,
                n % 2 == 1 ? scores[n / 2] : (scores[(n / 2) - 1] + scores[n / 2]) / 2,
                upper,
                zeroShare);
            if (zeroShare > level)
            {
                bin = WithBuyers(bin, members, order.AsSpan(end), Score, level);
            }

            bins.Add(bin);
            start = end;
        }

        return new ValueIntervals
        {
            Level = level,
            ScaleFloor = floor,
            Bins = bins,
            Method = string.Create(
                CultureInfo.InvariantCulture,
                $"split-conformal on the out-of-fold predictions of {predicted.Count:N0} training customers, Mondrian by {bins.Count} bins of predicted value " +
                $"(about equal counts, at least {MinimumCustomersPerBin / 2} each); per bin the ⌊(n+1)·{tail:0.00}⌋-th smallest (lower) and the (b + ⌈(n+1)·{level:0.00}⌉)-th (upper, b below the lower) of " +
                $"(actual − c) / c with c = max(predicted, {floor:0.00}), served as c·(1 + quantile): an actual 0 maps to −1, so P10 or P50 is exactly 0 where zeros fill the bin's quantile. " +
                $"Where more than {level:P0} of a bin bought nothing ({bins.Count(b => b.BuyerShare > 0)} bins), a share of its customers drawn by customer id gets the range of the bin's buyers instead of [0, 0], " +
                $"so that the bin is covered at the level rather than at its share of zeros (a randomized prediction set)"),
        };
    }

    /// <summary>Fewest customers with a positive value behind a bin's buyers' range: fewer are pooled with the next bins up.</summary>
    public const int MinimumBuyers = 30;

    /// <summary>
    /// Where a customer stands in the draw that picks who in a mostly-zero bin gets the buyers' range: a number in [0, 1)
    /// from the customer id alone (FNV-1a of its UTF-8 bytes), the same on every run and machine, and unrelated to
    /// anything the models read.
    /// </summary>
    public static double Draw(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = customerId.Length * 3 <= buffer.Length ? buffer[..System.Text.Encoding.UTF8.GetBytes(customerId, buffer)] : System.Text.Encoding.UTF8.GetBytes(customerId);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        // FNV's low bits mix poorly for short keys: one more avalanche step (splitmix64's finalizer) before taking 53 bits.
        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9UL;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111ebUL;
        hash ^= hash >> 31;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }

    // A bin where the zeros alone exceed the level: the buyers' range (quantiles of s among customers with a positive
    // value, pooled upwards while too few), and the share q of the bin to serve it so that
    // (1 − q)·(share in [Lower, Upper]) + q·(share in the buyers' range) = level.
    private static IntervalBin WithBuyers(IntervalBin bin, int[] members, ReadOnlySpan<int> above, Func<int, double> score, double level)
    {
        var buyers = members.Select(score).Where(v => v > -1).ToList();
        foreach (var i in above)
        {
            if (buyers.Count >= MinimumBuyers)
            {
                break;
            }

            if (score(i) is var v && v > -1)
            {
                buyers.Add(v);
            }
        }

        if (buyers.Count == 0)
        {
            return bin; // nobody above bought anything: no range to serve
        }

        buyers.Sort();
        var k = buyers.Count;
        var tail = (1 - level) / 2;
        var (low, high) = (buyers[Math.Clamp((int)Math.Floor((k + 1) * tail), 1, k) - 1], buyers[Math.Clamp((int)Math.Ceiling((k + 1) * (1 - tail)), 1, k) - 1]);
        var median = k % 2 == 1 ? buyers[k / 2] : (buyers[(k / 2) - 1] + buyers[k / 2]) / 2;
        var usual = members.Count(i => score(i) >= bin.Lower && score(i) <= bin.Upper) / (double)members.Length;
        var ofBuyers = members.Count(i => score(i) >= low && score(i) <= high) / (double)members.Length;
        var share = usual > level && usual > ofBuyers ? Math.Min(1, (usual - level) / (usual - ofBuyers)) : 0;
        return bin with { BuyerShare = share, BuyerLower = low, BuyerMedian = median, BuyerUpper = high };
    }

    /// <summary>
    /// The interval of customer <paramref name="customerId"/> whose served prediction is <paramref name="predicted"/>;
    /// P10 ≤ P50 ≤ P90. The id matters only in bins where most customers buy nothing (see the remarks).
    /// </summary>
    public ValueInterval For(double predicted, string customerId)
    {
        var bin = Bins[BinOf(predicted)];
        var centre = Centre(predicted, ScaleFloor);
        if (bin.BuyerShare > 0 && Draw(customerId) < bin.BuyerShare)
        {
            return new ValueInterval(centre * (1 + bin.BuyerLower), centre * (1 + bin.BuyerMedian), centre * (1 + bin.BuyerUpper));
        }

        // c·(1 + s): an actual 0 has s = −1 exactly, so a bound on it is exactly 0.
        return new ValueInterval(centre * (1 + bin.Lower), centre * (1 + bin.Median), centre * (1 + bin.Upper));
    }

    /// <summary>
    /// Coverage of [P10, P90] on customers no fit saw, overall and per decile of predicted value, with the mean width,
    /// against the bars (level ± <see cref="OverallTolerance"/> overall, ± <see cref="DecileTolerance"/> per decile).
    /// </summary>
    public IntervalCoverage Measure(IReadOnlyList<double> predicted, IReadOnlyList<double> actual, IReadOnlyList<string> customerIds)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(customerIds);
        if (predicted.Count != actual.Count || predicted.Count != customerIds.Count || predicted.Count == 0)
        {
            throw new ArgumentException(
                $"Coverage needs one actual value and one customer id per prediction, at least one: {predicted.Count}, {actual.Count} and {customerIds.Count} given.",
                nameof(actual));
        }

        var intervals = predicted.Select((p, i) => For(p, customerIds[i])).ToArray();
        bool Covered(int i) => intervals[i].P10 <= actual[i] && actual[i] <= intervals[i].P90;
        var n = predicted.Count;
        var coverage = Enumerable.Range(0, n).Count(Covered) / (double)n;
        var meanWidth = intervals.Average(v => v.Width);

        // Deciles as RegressionMetrics cuts them: highest predictions first, positions ⌈(k−1)·n/10⌉ .. ⌈k·n/10⌉ − 1.
        var byPrediction = Enumerable.Range(0, n).OrderByDescending(i => predicted[i]).ToArray();
        var deciles = new List<DecileCoverage>();
        for (var k = 1; k <= 10; k++)
        {
            var from = (int)Math.Ceiling((k - 1) * n / 10.0);
            var to = (int)Math.Ceiling(k * n / 10.0);
            if (to <= from)
            {
                continue;
            }

            var members = byPrediction[from..to];
            deciles.Add(new DecileCoverage(
                k,
                members.Length,
                members.Min(i => predicted[i]),
                members.Max(i => predicted[i]),
                members.Count(Covered) / (double)members.Length,
                members.Average(i => intervals[i].Width),
                members.Count(i => actual[i] == 0) / (double)members.Length));
        }

        var misses = new List<string>();
        if (Math.Abs(coverage - Level) > OverallTolerance)
        {
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"overall {coverage:P1} misses {Level:P0} ± {OverallTolerance * 100:0} points by {(Math.Abs(coverage - Level) - OverallTolerance) * 100:0.0} points"));
        }

        foreach (var d in deciles.Where(d => Math.Abs(d.Coverage - Level) > DecileTolerance))
        {
            misses.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"decile {d.Decile} ({d.Customers:N0} customers, {d.ZeroShare:P0} with 0) {d.Coverage:P1} misses {Level:P0} ± {DecileTolerance * 100:0} points by {(Math.Abs(d.Coverage - Level) - DecileTolerance) * 100:0.0} points ({(d.Coverage > Level ? "too wide, or a point mass" : "too narrow")})"));
        }

        var verdict = string.Create(
            CultureInfo.InvariantCulture,
            $"held-out coverage {coverage:P1} of {n:N0} customers (bar {Level:P0} ± {OverallTolerance * 100:0} points), every decile of predicted value within ± {DecileTolerance * 100:0} points: ")
            + (misses.Count == 0 ? "met" : "not met — " + string.Join("; ", misses));
        return new IntervalCoverage(n, coverage, meanWidth, deciles, misses.Count == 0, verdict);
    }

    private int BinOf(double predicted)
    {
        // Few bins: a linear scan is as fast as a binary search and has no edge cases.
        for (var b = 0; b < Bins.Count - 1; b++)
        {
            if (Bins[b].UpperPrediction is { } upper && predicted <= upper)
            {
                return b;
            }
        }

        return Bins.Count - 1;
    }

    // The prediction, raised to the floor: near-zero and negative predictions (a few loss-making returners) are read at
    // the floor, so their bins' intervals are the bin's quantiles of the actual value itself.
    private static double Centre(double predicted, double floor) => Math.Max(predicted, floor);
}
