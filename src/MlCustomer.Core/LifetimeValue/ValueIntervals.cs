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

    /// <summary>
    /// The chance that the customer's value is ≠ 0 in the horizon (they buy), as the two-part intervals read it
    /// (recalibrated on out-of-fold predictions); null for intervals of a one-part model.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? PurchaseProbability { get; init; }

    /// <summary>The lower end of the 80% interval of the amount if the customer buys (value ≠ 0); null as <see cref="PurchaseProbability"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AmountIfBuyingP10 { get; init; }

    /// <summary>The upper end of the 80% interval of the amount if the customer buys; null as <see cref="PurchaseProbability"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AmountIfBuyingP90 { get; init; }

    /// <summary>
    /// The low end to plan a budget on (<c>targets --conservative</c>): <see cref="P10"/>, but at most 0 where the customer
    /// is likelier than 1 − <paramref name="level"/> to buy nothing. There the customer's own interval is [0, 0] (their
    /// likeliest outcome is nothing), and the decile form may serve them the amount if buying instead, whose P10 is money
    /// they most likely never bring — the same figure whichever form the bundle serves.
    /// </summary>
    public double PlanningLow(double level = ValueIntervals.DefaultLevel) =>
        PurchaseProbability is { } p && p < 1 - level ? Math.Min(P10, 0) : P10;
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
public sealed record IntervalBin(double? UpperPrediction, int Customers, double Lower, double Median, double Upper, double ZeroShare);

/// <summary>Held-out coverage of one tenth of the customers by predicted value.</summary>
/// <param name="Decile">1 = highest predictions … 10 = lowest.</param>
/// <param name="Customers">Held-out customers in the decile.</param>
/// <param name="LowestPredicted">The decile's lowest predicted value.</param>
/// <param name="HighestPredicted">The decile's highest predicted value.</param>
/// <param name="Coverage">Share of the decile whose actual value lay within [P10, P90].</param>
/// <param name="MeanWidth">Mean P90 − P10.</param>
/// <param name="ZeroShare">Share of the decile whose actual value was exactly 0 (an interval from 0 covers those for free).</param>
/// <param name="BuyerCoverage">
/// Coverage among the decile's customers who bought something (actual value not 0; profit can be negative after
/// returns): whether the intervals hold the buyers too, not only the zeros. Null where nobody in the decile bought, and
/// in cards measured before it was reported.
/// </param>
public sealed record DecileCoverage(
    int Decile,
    int Customers,
    double LowestPredicted,
    double HighestPredicted,
    double Coverage,
    double MeanWidth,
    double ZeroShare,
    // Left out of the card where null, so cards measured before it keep their bundle versions.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? BuyerCoverage = null)
{
    /// <summary>
    /// The coverage the two-part model itself expects of the decile's intervals (mean over its customers of
    /// P(P10 ≤ value ≤ P90) under their own predictive distribution): the least a deterministic interval holding each
    /// customer's likeliest outcome can cover there (an interval [0, 0] covers 1 − P(buy)). Null for one-part intervals.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ModelCoverage { get; init; }

    /// <summary>Mean recalibrated P(buy) of the decile, to read beside 1 − <see cref="ZeroShare"/>; null for one-part intervals.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MeanPurchaseProbability { get; init; }

    /// <summary>Share of the decile's buyers whose amount lay within the 80% interval of the amount if buying; null for one-part intervals or without buyers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AmountCoverage { get; init; }

    /// <summary>
    /// Share of the decile's customers whose interval does not hold 0 (P10 &gt; 0 or P90 &lt; 0): those told they will
    /// most likely buy (customer form) or, in the decile form, also those drawn for the amount-if-buying interval in a
    /// decile where most buy nothing. Null for one-part intervals and in cards measured before it was reported.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WithoutZeroShare { get; init; }
}

/// <summary>How the intervals did on customers no model was fitted on.</summary>
/// <param name="Customers">Held-out customers.</param>
/// <param name="Coverage">Share of them whose actual value lay within [P10, P90].</param>
/// <param name="MeanWidth">Mean P90 − P10, in currency over the horizon.</param>
/// <param name="Deciles">Coverage per decile of predicted value, highest first.</param>
/// <param name="MeetsBars">True when coverage is within <see cref="ValueIntervals.OverallTolerance"/> of the level and every decile within <see cref="ValueIntervals.DecileTolerance"/>.</param>
/// <param name="Verdict">The bars and how far each missed one is, in words.</param>
public sealed record IntervalCoverage(int Customers, double Coverage, double MeanWidth, IReadOnlyList<DecileCoverage> Deciles, bool MeetsBars, string Verdict)
{
    /// <summary>Share of all held-out buyers whose amount lay within the 80% interval of the amount if buying; null for one-part intervals.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AmountCoverage { get; init; }

    /// <summary>
    /// The coverage the two-part model itself expects of these intervals (mean of <see cref="DecileCoverage.ModelCoverage"/>
    /// over the customers): above the level by the customers whose honest interval is [0, 0]. Null for one-part intervals.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ModelCoverage { get; init; }

    /// <summary>Which form of two-part interval was measured; null for one-part intervals and in cards measured before the forms.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ValueIntervalForm? Form { get; init; }
}

/// <summary>
/// Per-customer 80% prediction intervals for a value model by split-conformal prediction, Mondrian by bin of predicted
/// value: the training customers' out-of-fold predictions (each from a fit that never saw the customer) are cut into
/// bins of about equal size by predicted value, and each bin keeps conformal lower and upper quantiles (and the median)
/// of the relative residual s = (actual − c) / c, c = max(predicted, floor). A served customer's interval is
/// c × (1 + quantile) with the quantiles of the bin its prediction falls in, so intervals
/// widen where value is uncertain (each bin has its own spread) and scale with the prediction inside a bin. When the value
/// model is the two-part trees, the served intervals are instead the two-part model's own (<see cref="TwoPart"/>: each
/// customer's recalibrated P(buy) and amount if buying), and the bins stay for comparison (<see cref="SinglePartHeldOut"/>).
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
/// anything slightly wide. Discrete outcomes can push coverage above the level: a bin where 95% of customers buy
/// nothing gets [0, 0], which covers 95%. That is kept on purpose: an interval is a statement about one customer, and
/// for a customer of such a bin "0, most likely" is the true one; any interval of one customer that holds 0 covers at
/// least the share of non-buyers, so a decile that is ≥ 85% zeros over-covers by construction and cannot sit at
/// 80 ± 5. <see cref="Measure"/> therefore reports each decile's coverage among its buyers beside the overall one.
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
    /// The two-part model's own intervals (P(buy) × the amount if buying), served instead of <see cref="Bins"/> when the
    /// value model is the two-part trees; null for a one-part model and for cards trained before them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TwoPartIntervals? TwoPart { get; init; }

    /// <summary>
    /// With <see cref="TwoPart"/>: the coverage the one-part intervals of <see cref="Bins"/> (Mondrian by predicted value,
    /// the method before) reach on the same held-out customers, for comparison; null otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IntervalCoverage? SinglePartHeldOut { get; init; }

    /// <summary>
    /// Which form of the two-part intervals is served (<c>train --value-intervals</c>): the customer's own
    /// (<see cref="TwoPart"/>) or the decile form (<see cref="Deciles"/>); null for a one-part model and in cards trained
    /// before the choice (which serve the customer form).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ValueIntervalForm? ServedForm { get; init; }

    /// <summary>
    /// The decile form's calibration (Mondrian by decile of predicted value on the same training customers), kept whichever
    /// form is served so that both can be compared; null for a one-part model and in cards trained before it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DecileIntervals? Deciles { get; init; }

    /// <summary>
    /// The held-out coverage of the two-part form not served (the decile form when the customer form is served, and the
    /// other way round), on the same customers as <see cref="HeldOut"/>; null without <see cref="Deciles"/>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IntervalCoverage? OtherFormHeldOut { get; init; }

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
        var cuts = EqualCountCuts(order.Select(i => predicted[i]).ToArray(), Math.Clamp(predicted.Count / MinimumCustomersPerBin, 1, MaximumBins), MinimumCustomersPerBin / 2);
        var tail = (1 - level) / 2;
        var bins = new List<IntervalBin>(cuts.Count);
        var start = 0;
        foreach (var end in cuts)
        {
            var members = order[start..end];
            var scores = members.Select(i => (actual[i] - Centre(predicted[i], floor)) / Centre(predicted[i], floor)).Order().ToArray();
            var n = scores.Length;
            var lower = scores[Math.Clamp((int)Math.Floor((n + 1) * tail), 1, n) - 1];

            // The upper bound takes the level's share of scores from the lower bound up: without ties at the lower bound
            // this is the usual ⌈(n+1)·0.9⌉-th score, but when the lower bound sits on the atom of zeros (s = −1), every
            // zero is covered, and the usual rank would cover 90% of the bin rather than 80%.
            var below = Array.FindIndex(scores, v => v >= lower);
            var highRank = Math.Clamp(below + (int)Math.Ceiling((n + 1) * level), 1, n);
            bins.Add(new IntervalBin(
                end == order.Length ? null : predicted[members[^1]],
                n,
                lower,
                n % 2 == 1 ? scores[n / 2] : (scores[(n / 2) - 1] + scores[n / 2]) / 2,
                scores[highRank - 1],
                members.Count(i => actual[i] == 0) / (double)n));
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
                $"(actual − c) / c with c = max(predicted, {floor:0.00}), served as c·(1 + quantile): an actual 0 maps to −1, so P10 or P50 is exactly 0 where zeros fill the bin's quantile"),
        };
    }

    /// <summary>
    /// The interval served to a customer: the two-part one from <paramref name="parts"/> when the card has
    /// <see cref="TwoPart"/>, else the one-part one of their served prediction (<see cref="For(double)"/>). Null when the
    /// card's intervals are two-part and the parts are not known (a stored prediction alone does not give them).
    /// <paramref name="customerId"/> splits the decile form's customers tied at a threshold (<see cref="DecileIntervals.TieDraw"/>).
    /// </summary>
    public ValueInterval? For(double predicted, TwoPartPrediction? parts, string customerId) =>
        TwoPart is null ? For(predicted)
        : parts is { } known ? For(predicted, known, ServedForm ?? ValueIntervalForm.Customer, customerId)
        : null;

    /// <summary>The two-part interval of the given form for the customer <paramref name="customerId"/> with this served prediction and these parts.</summary>
    /// <exception cref="InvalidOperationException">The intervals are one-part, or the decile form was not calibrated.</exception>
    public ValueInterval For(double predicted, TwoPartPrediction parts, ValueIntervalForm form, string customerId)
    {
        var twoPart = TwoPart ?? throw new InvalidOperationException("These intervals are one-part: they have no two-part forms.");
        return form == ValueIntervalForm.Decile
            ? (Deciles ?? throw new InvalidOperationException("These intervals have no decile form: retrain the bundle.")).For(predicted, parts, customerId, twoPart, Level)
            : twoPart.For(parts, Level);
    }

    /// <summary>The one-part interval (Mondrian by predicted value) of a customer whose served prediction is <paramref name="predicted"/>; P10 ≤ P50 ≤ P90.</summary>
    public ValueInterval For(double predicted)
    {
        var bin = Bins[BinOf(predicted)];
        var centre = Centre(predicted, ScaleFloor);

        // c·(1 + s): an actual 0 has s = −1 exactly, so a bound on it is exactly 0.
        return new ValueInterval(centre * (1 + bin.Lower), centre * (1 + bin.Median), centre * (1 + bin.Upper));
    }

    /// <summary>
    /// Coverage of [P10, P90] on customers no fit saw, overall and per decile of predicted value, with the mean width,
    /// against the bars (level ± <see cref="OverallTolerance"/> overall, ± <see cref="DecileTolerance"/> per decile).
    /// </summary>
    /// <remarks>
    /// With <paramref name="parts"/> (the two-part trees' P(buy) and amount of each customer) and <see cref="TwoPart"/>,
    /// the served two-part intervals are measured, with each decile's mean P(buy), the coverage the model itself expects
    /// and the buyers' coverage by the interval of the amount if buying; without, the one-part intervals of
    /// <see cref="Bins"/>.
    /// </remarks>
    public IntervalCoverage Measure(
        IReadOnlyList<double> predicted, IReadOnlyList<double> actual, IReadOnlyList<TwoPartPrediction>? parts = null, ValueIntervalForm? form = null, IReadOnlyList<string>? customerIds = null)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        if (predicted.Count != actual.Count || predicted.Count == 0 || (parts is not null && parts.Count != predicted.Count) || (customerIds is not null && customerIds.Count != predicted.Count))
        {
            throw new ArgumentException($"Coverage needs one actual value (and id, where given) per prediction, at least one: {predicted.Count} and {actual.Count} given.", nameof(actual));
        }

        var twoPart = parts is null ? null : TwoPart ?? throw new InvalidOperationException("These intervals are one-part: measure them without the two-part predictions.");
        var measuredForm = twoPart is null ? (ValueIntervalForm?)null : form ?? ServedForm ?? ValueIntervalForm.Customer;
        var intervals = twoPart is null ? predicted.Select(For).ToArray() : parts!.Select((p, i) => For(predicted[i], p, measuredForm!.Value, customerIds?[i] ?? (measuredForm == ValueIntervalForm.Decile
                ? throw new ArgumentException("The decile form needs the customers' ids (ties at a threshold are split by a draw from the id).", nameof(customerIds))
                : ""))).ToArray();
        bool WithoutZero(int i) => intervals[i].P10 > 0 || intervals[i].P90 < 0;
        double ModelCoverage(int i) => twoPart!.ExpectedCoverage(parts![i], intervals[i]);
        bool AmountCovered(int i) => intervals[i].AmountIfBuyingP10 <= actual[i] && actual[i] <= intervals[i].AmountIfBuyingP90;
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
            var buyers = members.Where(i => actual[i] != 0).ToArray();
            deciles.Add(new DecileCoverage(
                k,
                members.Length,
                members.Min(i => predicted[i]),
                members.Max(i => predicted[i]),
                members.Count(Covered) / (double)members.Length,
                members.Average(i => intervals[i].Width),
                members.Count(i => actual[i] == 0) / (double)members.Length,
                buyers.Length == 0 ? null : buyers.Count(Covered) / (double)buyers.Length)
            {
                ModelCoverage = twoPart is null ? null : members.Average(ModelCoverage),
                MeanPurchaseProbability = twoPart is null ? null : members.Average(i => intervals[i].PurchaseProbability!.Value),
                AmountCoverage = twoPart is null || buyers.Length == 0 ? null : buyers.Count(AmountCovered) / (double)buyers.Length,
                WithoutZeroShare = twoPart is null ? null : members.Count(WithoutZero) / (double)members.Length,
            });
        }

        var misses = new List<string>();
        double? modelCoverage = twoPart is null ? null : Enumerable.Range(0, n).Average(ModelCoverage);
        if (Math.Abs(coverage - Level) > OverallTolerance)
        {
            // Over the bar by construction where the model itself expects more than the bar of the customers' own intervals.
            var why = coverage > Level && modelCoverage > Level + OverallTolerance
                ? string.Create(CultureInfo.InvariantCulture, $" (over by construction: the model expects {modelCoverage:P1} of the customers' own intervals, [0, 0] for everyone with P(buy) < {1 - Level:P0})")
                : "";
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"overall {coverage:P1} misses {Level:P0} ± {OverallTolerance * 100:0} points by {(Math.Abs(coverage - Level) - OverallTolerance) * 100:0.0} points{why}"));
        }

        foreach (var d in deciles.Where(d => Math.Abs(d.Coverage - Level) > DecileTolerance))
        {
            misses.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"decile {d.Decile} ({d.Customers:N0} customers, {d.ZeroShare:P0} with 0) {d.Coverage:P1} misses {Level:P0} ± {DecileTolerance * 100:0} points by {(Math.Abs(d.Coverage - Level) - DecileTolerance) * 100:0.0} points " +
                $"({Why(d)}{(d.BuyerCoverage is { } b ? $"; its buyers {b:P1}" : "; nobody bought")})"));
        }

        var verdict = string.Create(
            CultureInfo.InvariantCulture,
            $"held-out coverage {coverage:P1} of {n:N0} customers (bar {Level:P0} ± {OverallTolerance * 100:0} points), every decile of predicted value within ± {DecileTolerance * 100:0} points: ")
            + (misses.Count == 0 ? "met" : "not met — " + string.Join("; ", misses));
        var allBuyers = Enumerable.Range(0, n).Where(i => actual[i] != 0).ToArray();
        return new IntervalCoverage(n, coverage, meanWidth, deciles, misses.Count == 0, verdict)
        {
            AmountCoverage = twoPart is null || allBuyers.Length == 0 ? null : allBuyers.Count(AmountCovered) / (double)allBuyers.Length,
            ModelCoverage = modelCoverage,
            Form = measuredForm,
        };
    }

    /// <summary>
    /// The held-out coverage by decile of predicted value in a few plain lines (1 = highest predictions first), for the
    /// train output: coverage, share who bought nothing and the buyers' coverage; for two-part intervals also the mean
    /// P(buy), the coverage the model expects, the buyers' coverage by the interval of the amount if buying, and the
    /// one-part intervals' coverage on the same customers (the method before). Empty before the held-out measure.
    /// </summary>
    public IReadOnlyList<string> DecileLines()
    {
        if (HeldOut is not { } held)
        {
            return [];
        }

        static string Row(IEnumerable<double?> values) =>
            string.Join(" / ", values.Select(v => v is { } x ? (x * 100).ToString("0.0", CultureInfo.InvariantCulture) : "–"));
        var lines = new List<string>();
        if (held.Form is { } served)
        {
            lines.Add($"  served: the {FormName(served)} form (train --value-intervals {FormName(served)}); {FormPromise(served)}");
        }

        lines.AddRange(
        [
            $"  by decile of predicted value (1 = highest), %: coverage {Row(held.Deciles.Select(d => (double?)d.Coverage))}",
            $"    bought nothing {Row(held.Deciles.Select(d => (double?)d.ZeroShare))}",
            $"    coverage of buyers {Row(held.Deciles.Select(d => d.BuyerCoverage))}",
        ]);
        if (TwoPart is not null)
        {
            lines.Add($"    mean P(buy) {Row(held.Deciles.Select(d => d.MeanPurchaseProbability))}");
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"    coverage the model expects ({(held.Form == ValueIntervalForm.Decile ? "of these intervals, by each customer's P(buy) and amount" : "the least a deterministic interval holding the likeliest outcome gets")}) {Row(held.Deciles.Select(d => d.ModelCoverage))}; overall {held.ModelCoverage:P1}"));
            lines.Add($"    intervals without 0 {Row(held.Deciles.Select(d => d.WithoutZeroShare))}");
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"    amount if buying (80% interval of the amount, among buyers) covers {Row(held.Deciles.Select(d => d.AmountCoverage))}; overall {held.AmountCoverage:P1}"));
        }

        if (OtherFormHeldOut is { Form: { } otherForm } other)
        {
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"  the {FormName(otherForm)} form on the same customers (not served; train --value-intervals {FormName(otherForm)}): overall {other.Coverage:P1}, mean width {other.MeanWidth:N2}; {(other.MeetsBars ? "meets" : "misses")} the bars; {FormPromise(otherForm)}"));
            lines.Add($"    coverage {Row(other.Deciles.Select(d => (double?)d.Coverage))}");
            lines.Add($"    coverage of buyers {Row(other.Deciles.Select(d => d.BuyerCoverage))}");
            lines.Add($"    mean width {string.Join(" / ", other.Deciles.Select(d => d.MeanWidth.ToString("N1", CultureInfo.InvariantCulture)))} (served: {string.Join(" / ", held.Deciles.Select(d => d.MeanWidth.ToString("N1", CultureInfo.InvariantCulture)))})");
            lines.Add($"    intervals without 0 {Row(other.Deciles.Select(d => d.WithoutZeroShare))}");
        }

        if (SinglePartHeldOut is { } before)
        {
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"  before (one-part intervals by bin of predicted value, same customers): overall {before.Coverage:P1}, mean width {before.MeanWidth:N2}; coverage {Row(before.Deciles.Select(d => (double?)d.Coverage))}; buyers {Row(before.Deciles.Select(d => d.BuyerCoverage))}"));
        }

        return lines;
    }

    /// <summary>The form as <c>train --value-intervals</c> names it.</summary>
    public static string FormName(ValueIntervalForm form) => form == ValueIntervalForm.Decile ? "decile" : "customer";

    /// <summary>What a form promises, in one sentence (the card, the train output and the report say it alike).</summary>
    public static string FormPromise(ValueIntervalForm form) => form == ValueIntervalForm.Decile
        ? "80% of each decile of predicted value ends in its interval; in deciles where most buy nothing, some customers with P(buy) under 20% (drawn by their chance of buying and a hash of their id) get the interval of their amount if buying, without 0, which they most likely miss"
        : "each customer's own central 80% (P(buy) × amount if buying), holding their likeliest outcome; deciles where most buy nothing cover more than 80%, since [0, 0] covers every non-buyer";

    // Why a decile misses, in words: over the bar by construction where the zeros alone exceed it (any interval of one
    // customer that holds 0 covers them) or, for two-part intervals, where the customers' own intervals are expected by
    // the model to cover more (an interval [0, 0] for P(buy) < 20% covers 1 − P(buy)); else too wide or too narrow.
    private string Why(DecileCoverage d) =>
        d.Coverage < Level ? "too narrow"
        : d.ModelCoverage is { } expected && expected > Level + (DecileTolerance / 2) ? string.Create(
            CultureInfo.InvariantCulture,
            $"over by construction: {d.ZeroShare:P0} bought nothing and the model expects its customers' own intervals, [0, 0] where P(buy) < {1 - Level:P0}, to cover {expected:P1}")
        : d.ZeroShare > Level + DecileTolerance ? string.Create(CultureInfo.InvariantCulture, $"over by construction: an interval holding 0 covers at least the {d.ZeroShare:P0} who bought nothing")
        : "too wide";

    /// <summary>
    /// Where to cut values sorted in increasing order into about <paramref name="binCount"/> bins of equal counts: the end
    /// (exclusive) of each bin, the last being the count. Each cut moves past values equal to the one at it, so a value
    /// always lands in one bin, and a cut leaving fewer than <paramref name="minimumPerBin"/> on either side is dropped
    /// (its bin merges with the next).
    /// </summary>
    internal static List<int> EqualCountCuts(double[] sorted, int binCount, int minimumPerBin)
    {
        var cuts = new List<int>();
        for (var b = 1; b < binCount; b++)
        {
            var at = (int)((long)b * sorted.Length / binCount);
            while (at < sorted.Length && at > 0 && sorted[at] == sorted[at - 1])
            {
                at++;
            }

            if (at < sorted.Length && (cuts.Count == 0 || at - cuts[^1] >= minimumPerBin) && sorted.Length - at >= minimumPerBin)
            {
                cuts.Add(at);
            }
        }

        cuts.Add(sorted.Length);
        return cuts;
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
