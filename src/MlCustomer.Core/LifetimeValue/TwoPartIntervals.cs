using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>What the two-part trees say of one customer before any blend: the chance of a value ≠ 0 in the horizon and the amount if so.</summary>
/// <param name="PurchaseProbability">The purchase classifier's P(value ≠ 0), as the chain outputs it (before the intervals' recalibration).</param>
/// <param name="Amount">The amount regression's E[value | value ≠ 0], in currency over the horizon.</param>
public readonly record struct TwoPartPrediction(double PurchaseProbability, double Amount)
{
    /// <summary>
    /// The parts from the trees' served value (P(≠ 0) × amount, as the chain computes it) and the chain's probability: the
    /// one place that splits them, so that training and every scoring path read the amount alike.
    /// </summary>
    public static TwoPartPrediction FromTrees(double treesValue, double purchaseProbability) =>
        new(purchaseProbability, purchaseProbability > 0 ? treesValue / purchaseProbability : 0);
}

/// <summary>One step of the recalibrated chance of buying: out-of-fold probabilities up to <paramref name="UpperProbability"/> bought at <paramref name="BuyShare"/>.</summary>
/// <param name="UpperProbability">The step holds the classifier's probabilities up to and including this; null for the last step.</param>
/// <param name="Customers">Calibration customers in the step.</param>
/// <param name="BuyShare">Share of them whose value was ≠ 0 (isotonic in the probability).</param>
public sealed record PurchaseStep(double? UpperProbability, int Customers, double BuyShare);

/// <summary>
/// One bin of predicted amount among calibration buyers, with the quantiles of r = (amount − c) / c, c = max(predicted
/// amount, <see cref="TwoPartIntervals.AmountScaleFloor"/>), at τ = 0, 1/<see cref="TwoPartIntervals.QuantileSteps"/>, …, 1.
/// </summary>
/// <param name="UpperPredictedAmount">The bin holds predicted amounts up to and including this; null for the last bin.</param>
/// <param name="Buyers">Calibration buyers (value ≠ 0) in the bin.</param>
/// <param name="NegativeShare">Share of them whose amount was below 0 (returns, loss-making orders).</param>
/// <param name="Quantiles">r at τ = k / steps, k = 0 … steps (plotting position (n + 1)·τ, linear between order statistics).</param>
public sealed record AmountBin(double? UpperPredictedAmount, int Buyers, double NegativeShare, IReadOnlyList<double> Quantiles);

/// <summary>
/// The two-part model's own predictive distribution of a customer's value over the horizon: 0 with probability 1 − p,
/// else an amount, where p is the purchase classifier's probability recalibrated (isotonic) on out-of-fold predictions
/// and the amount's distribution is the conformal quantiles of the amount among out-of-fold buyers, Mondrian by bin of
/// predicted amount. A customer's 80% interval is the central 80% of that mixture, moved to start (or end) at the atom
/// at 0 when the atom holds the 10% (90%) quantile, so that it covers 80% and not more where it can: exactly 80% by the
/// model for every customer with p ≥ 20%, and [0, 0] (covering 1 − p &gt; 80%) for the others, whose likeliest outcome by
/// far is nothing. No draw: the same customer always gets the same interval, and it always holds 0 or lies where the
/// customer's own amount would.
/// </summary>
public sealed record TwoPartIntervals
{
    /// <summary>Grid of amount quantiles per bin (every 2%).</summary>
    public const int QuantileSteps = 50;

    /// <summary>Most bins of predicted amount.</summary>
    public const int MaximumAmountBins = 20;

    /// <summary>Fewest calibration buyers per bin of predicted amount.</summary>
    public const int MinimumBuyersPerBin = 150;

    /// <summary>Fewest calibration customers per step of the recalibrated P(buy) before pooling (isotonic pooling merges more).</summary>
    public const int MinimumCustomersPerStep = 100;

    /// <summary>The recalibrated P(value ≠ 0), in increasing order of the classifier's probability.</summary>
    public required IReadOnlyList<PurchaseStep> Purchase { get; init; }

    /// <summary>The least scale of an amount residual, in currency (5% of the calibration buyers' mean |amount|).</summary>
    public required double AmountScaleFloor { get; init; }

    /// <summary>The bins of predicted amount in increasing order.</summary>
    public required IReadOnlyList<AmountBin> Amount { get; init; }

    /// <summary>
    /// Calibrates on out-of-fold predictions of the two parts and the actual values of the same customers (calibration
    /// customers only: never the held-out ones the coverage is measured on).
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths, a value that is not finite, too few customers or buyers.</exception>
    public static TwoPartIntervals Calibrate(IReadOnlyList<TwoPartPrediction> predicted, IReadOnlyList<double> actual)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        if (predicted.Count != actual.Count)
        {
            throw new ArgumentException($"{predicted.Count} predictions and {actual.Count} actual values: one of each per customer.", nameof(actual));
        }

        if (predicted.Any(p => !double.IsFinite(p.PurchaseProbability) || !double.IsFinite(p.Amount)) || actual.Any(a => !double.IsFinite(a)))
        {
            throw new ArgumentException("Two-part intervals need finite predictions and actual values.", nameof(predicted));
        }

        var buyers = Enumerable.Range(0, actual.Count).Where(i => actual[i] != 0).ToArray();
        if (predicted.Count < 2 * MinimumCustomersPerStep || buyers.Length < 20)
        {
            throw new ArgumentException(
                $"Two-part intervals need at least {2 * MinimumCustomersPerStep} calibration customers and 20 buyers; {predicted.Count:N0} and {buyers.Length:N0} given.",
                nameof(predicted));
        }

        var floor = ValueIntervals.ScaleFloorShare * buyers.Average(i => Math.Abs(actual[i]));
        if (floor <= 0)
        {
            floor = 1;
        }

        return new TwoPartIntervals
        {
            Purchase = Isotonic(predicted.Select(p => p.PurchaseProbability).ToArray(), actual.Select(a => a != 0).ToArray()),
            AmountScaleFloor = floor,
            Amount = AmountBins(buyers.Select(i => predicted[i].Amount).ToArray(), buyers.Select(i => actual[i]).ToArray(), floor),
        };
    }

    /// <summary>The recalibrated chance that the customer's value is ≠ 0 in the horizon.</summary>
    public double PurchaseProbability(double classifierProbability)
    {
        for (var s = 0; s < Purchase.Count - 1; s++)
        {
            if (Purchase[s].UpperProbability is { } upper && classifierProbability <= upper)
            {
                return Purchase[s].BuyShare;
            }
        }

        return Purchase[^1].BuyShare;
    }

    /// <summary>The amount's τ-quantile for a customer whose predicted amount is <paramref name="predictedAmount"/>, if they buy.</summary>
    public double AmountQuantile(double predictedAmount, double tau) => AmountQuantile(Amount[BinOf(predictedAmount)], Scale(predictedAmount), tau);

    /// <summary>
    /// The customer's 80% interval (at <paramref name="level"/>) of their value over the horizon, with the recalibrated
    /// P(buy) and the central interval of the amount if they buy.
    /// </summary>
    public ValueInterval For(TwoPartPrediction prediction, double level = ValueIntervals.DefaultLevel)
    {
        var p = PurchaseProbability(prediction.PurchaseProbability);
        var bin = Amount[BinOf(prediction.Amount)];
        var scale = Scale(prediction.Amount);
        var tail = (1 - level) / 2;

        // The mixture's distribution function around its atom: below 0 only the negative amounts, at 0 the non-buyers.
        var belowZero = p * bin.NegativeShare;
        var atZero = belowZero + (1 - p);
        double Quantile(double tau) =>
            tau < belowZero ? Math.Min(AmountQuantile(bin, scale, tau / p), 0)
            : tau <= atZero ? 0
            : Math.Max(AmountQuantile(bin, scale, (tau - (1 - p)) / p), 0);

        var lower = Quantile(tail);
        var upper = Quantile(1 - tail);
        // A bound on the atom covers the atom's whole mass: count the level from the atom instead of from the tail, so the
        // interval covers the level by the model rather than the level plus what the atom brought for free.
        if (lower == 0 && upper > 0 && tail >= belowZero)
        {
            upper = Quantile(Math.Min(belowZero + level, 1));
        }
        else if (upper == 0 && lower < 0 && 1 - tail <= atZero)
        {
            lower = Quantile(Math.Max(atZero - level, 0));
        }

        var median = Math.Clamp(Quantile(0.5), lower, upper);
        return new ValueInterval(lower, median, upper)
        {
            PurchaseProbability = p,
            AmountIfBuyingP10 = AmountQuantile(bin, scale, tail),
            AmountIfBuyingP90 = AmountQuantile(bin, scale, 1 - tail),
        };
    }

    /// <summary>
    /// The central <paramref name="level"/> of the customer's amount if buying, on the side of 0 most of their bin's buyers
    /// are (above 0, unless most returned more than they bought): the amount's own interval where it does not hold 0, else
    /// the central share of the amounts above (below) 0 alone — an interval without 0, with its median, for the decile form.
    /// </summary>
    public (double P10, double P50, double P90) AmountWithoutZero(double predictedAmount, double level = ValueIntervals.DefaultLevel)
    {
        var bin = Amount[BinOf(predictedAmount)];
        var scale = Scale(predictedAmount);
        var tail = (1 - level) / 2;
        var (low, high) = (AmountQuantile(bin, scale, tail), AmountQuantile(bin, scale, 1 - tail));
        if (low > 0 || high < 0)
        {
            return (low, AmountQuantile(bin, scale, 0.5), high);
        }

        // The share of amounts at or below 0 by the quantile grid, so that the quantiles taken from it lie strictly on one side.
        var atOrBelowZero = AmountShareAtOrBelow(bin, scale, 0);
        var (from, share) = atOrBelowZero <= 0.5 ? (atOrBelowZero, 1 - atOrBelowZero) : (0, AmountShareBelow(bin, scale, 0));
        return (AmountQuantile(bin, scale, from + (tail * share)), AmountQuantile(bin, scale, from + (0.5 * share)), AmountQuantile(bin, scale, from + ((1 - tail) * share)));
    }

    /// <summary>
    /// The coverage the model itself expects of <paramref name="interval"/> for this customer (P(P10 ≤ value ≤ P90) under
    /// its mixture): the level where the customer's P(buy) is high enough, 1 − P(buy) for an interval [0, 0].
    /// </summary>
    public double ExpectedCoverage(TwoPartPrediction prediction, ValueInterval interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        var p = PurchaseProbability(prediction.PurchaseProbability);
        var bin = Amount[BinOf(prediction.Amount)];
        var scale = Scale(prediction.Amount);
        var atom = interval.P10 <= 0 && interval.P90 >= 0 ? 1 - p : 0;
        return atom + (p * (AmountShareAtOrBelow(bin, scale, interval.P90) - AmountShareBelow(bin, scale, interval.P10)));
    }

    /// <summary>The method in words, for the card.</summary>
    public string Describe(int customers, double level) => string.Create(
        CultureInfo.InvariantCulture,
        $"two-part: P(value ≠ 0) from the purchase classifier recalibrated (isotonic, {Purchase.Count} steps) on the out-of-fold predictions of {customers:N0} training customers, " +
        $"× the amount if ≠ 0 from the conformal quantiles (every {100 / QuantileSteps}%) of (amount − c) / c, c = max(predicted amount, {AmountScaleFloor:0.00}), among their buyers, " +
        $"Mondrian by {Amount.Count} bins of predicted amount; the interval is the central {level:P0} of that mixture, counted from the atom at 0 where the atom holds a bound, " +
        $"so [0, 0] where P(buy) < {1 - level:P0}");

    private double Scale(double predictedAmount) => Math.Max(predictedAmount, AmountScaleFloor);

    private static double AmountQuantile(AmountBin bin, double scale, double tau)
    {
        var at = Math.Clamp(tau, 0, 1) * (bin.Quantiles.Count - 1);
        var below = (int)Math.Floor(at);
        var r = below >= bin.Quantiles.Count - 1
            ? bin.Quantiles[^1]
            : bin.Quantiles[below] + ((at - below) * (bin.Quantiles[below + 1] - bin.Quantiles[below]));
        return scale * (1 + r);
    }

    // The amount's distribution function from the quantile grid (linear between grid points, as AmountQuantile reads it).
    private static double AmountShareAtOrBelow(AmountBin bin, double scale, double amount)
    {
        var r = (amount / scale) - 1;
        var q = bin.Quantiles;
        if (r < q[0])
        {
            return 0;
        }

        if (r >= q[^1])
        {
            return 1;
        }

        var k = 0;
        while (k < q.Count - 2 && q[k + 1] <= r)
        {
            k++;
        }

        var within = q[k + 1] > q[k] ? (r - q[k]) / (q[k + 1] - q[k]) : 1;
        return (k + within) / (q.Count - 1);
    }

    private static double AmountShareBelow(AmountBin bin, double scale, double amount)
    {
        var r = (amount / scale) - 1;
        return r <= bin.Quantiles[0] ? 0 : AmountShareAtOrBelow(bin, scale, amount);
    }

    private int BinOf(double predictedAmount)
    {
        for (var b = 0; b < Amount.Count - 1; b++)
        {
            if (Amount[b].UpperPredictedAmount is { } upper && predictedAmount <= upper)
            {
                return b;
            }
        }

        return Amount.Count - 1;
    }

    // Isotonic regression of "bought" on the classifier's probability: groups of at least MinimumCustomersPerStep by
    // probability (ties kept together), then adjacent groups pooled while a higher probability bought less.
    private static List<PurchaseStep> Isotonic(double[] probability, bool[] bought)
    {
        var order = Enumerable.Range(0, probability.Length).OrderBy(i => probability[i]).ToArray();
        var groups = new List<(double Upper, int Customers, int Buyers)>();
        var start = 0;
        while (start < order.Length)
        {
            var end = Math.Min(start + MinimumCustomersPerStep, order.Length);
            while (end < order.Length && probability[order[end]] == probability[order[end - 1]])
            {
                end++;
            }

            if (order.Length - end < MinimumCustomersPerStep)
            {
                end = order.Length;
            }

            groups.Add((probability[order[end - 1]], end - start, order[start..end].Count(i => bought[i])));
            start = end;
        }

        var pooled = new List<(double Upper, int Customers, int Buyers)>();
        foreach (var group in groups)
        {
            pooled.Add(group);
            while (pooled.Count > 1 && (double)pooled[^1].Buyers / pooled[^1].Customers <= (double)pooled[^2].Buyers / pooled[^2].Customers)
            {
                var (last, before) = (pooled[^1], pooled[^2]);
                pooled.RemoveRange(pooled.Count - 2, 2);
                pooled.Add((last.Upper, last.Customers + before.Customers, last.Buyers + before.Buyers));
            }
        }

        return pooled.Select((g, k) => new PurchaseStep(k == pooled.Count - 1 ? null : g.Upper, g.Customers, (double)g.Buyers / g.Customers)).ToList();
    }

    private static List<AmountBin> AmountBins(double[] predicted, double[] actual, double floor)
    {
        var order = Enumerable.Range(0, predicted.Length).OrderBy(i => predicted[i]).ToArray();
        var cuts = ValueIntervals.EqualCountCuts(order.Select(i => predicted[i]).ToArray(), Math.Clamp(predicted.Length / MinimumBuyersPerBin, 1, MaximumAmountBins), MinimumBuyersPerBin / 2);
        var bins = new List<AmountBin>(cuts.Count);
        var start = 0;
        foreach (var end in cuts)
        {
            var members = order[start..end];
            var residuals = members.Select(i => (actual[i] - Math.Max(predicted[i], floor)) / Math.Max(predicted[i], floor)).Order().ToArray();
            var n = residuals.Length;
            var quantiles = new double[QuantileSteps + 1];
            for (var k = 0; k <= QuantileSteps; k++)
            {
                // Plotting position (n + 1)·τ: the split-conformal rank, linear between neighbouring order statistics.
                var position = Math.Clamp((n + 1) * (double)k / QuantileSteps, 1, n) - 1;
                var below = (int)Math.Floor(position);
                quantiles[k] = below >= n - 1 ? residuals[n - 1] : residuals[below] + ((position - below) * (residuals[below + 1] - residuals[below]));
            }

            bins.Add(new AmountBin(end == order.Length ? null : predicted[members[^1]], n, members.Count(i => actual[i] < 0) / (double)n, quantiles));
            start = end;
        }

        return bins;
    }
}
