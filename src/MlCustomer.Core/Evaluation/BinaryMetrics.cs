namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Metrics for a binary outcome (churned or not) scored by a probability, computed on held-out customers.
/// Pure C#, no ML.NET, so the same numbers come out for an ML.NET model, a statistical model or a rule.
/// </summary>
public static partial class BinaryMetrics
{
    /// <summary>Probabilities are clipped to [ε, 1 − ε] for log loss, as scikit-learn does, so one confident
    /// mistake costs a lot (about 34.5) but not infinity.</summary>
    public const double LogLossEpsilon = 1e-15;

    /// <summary>Curves keep at most this many points.</summary>
    public const int MaxCurvePoints = 200;

    private const int CalibrationBins = 10;

    /// <summary>Computes every binary metric at once.</summary>
    /// <param name="probabilities">Predicted probability of the positive outcome per customer, each in [0, 1].</param>
    /// <param name="labels">What happened per customer (true = positive, e.g. churned).</param>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a probability outside [0, 1].</exception>
    public static BinaryMetricsResult Compute(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        InputChecks.ProbabilitiesAndLabels(probabilities, nameof(probabilities), labels, nameof(labels));
        var n = probabilities.Length;
        var positives = CountTrue(labels);
        var ranking = ScoreRanking.Descending(probabilities);
        var (roc, pr, averagePrecision) = Curves(ranking, labels, positives);
        var topPositives = ranking.ExpectedTopSums(labels);

        var brier = 0.0;
        for (var i = 0; i < n; i++)
        {
            var error = probabilities[i] - (labels[i] ? 1 : 0);
            brier += error * error;
        }

        return new BinaryMetricsResult(
            Count: n,
            Positives: positives,
            PositiveRate: (double)positives / n,
            Auc: AucUnchecked(probabilities, labels, positives),
            PrAuc: averagePrecision,
            LogLoss: LogLossUnchecked(probabilities, labels),
            Brier: brier / n,
            CalibrationTable: CalibrationTable(probabilities, labels),
            LiftAt10Percent: Lift(topPositives, 1, positives),
            LiftAt20Percent: Lift(topPositives, 2, positives),
            Roc: ScoreRanking.Downsample(roc, MaxCurvePoints),
            PrecisionRecall: ScoreRanking.Downsample(pr, MaxCurvePoints));
    }

    /// <summary>
    /// ROC AUC by the Mann–Whitney rank sum, tied scores sharing the average of their ranks (a tie between a
    /// positive and a negative counts half). Scores need not be probabilities: any "higher = more likely
    /// positive" number works, e.g. days since the last purchase.
    /// </summary>
    /// <returns>The AUC, or null when the labels hold only one class.</returns>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a non-finite score.</exception>
    public static double? Auc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        InputChecks.ScoresAndLabels(scores, nameof(scores), labels, nameof(labels));
        return AucUnchecked(scores, labels, CountTrue(labels));
    }

    /// <summary>Mean log loss with probabilities clipped to [<see cref="LogLossEpsilon"/>, 1 − <see cref="LogLossEpsilon"/>].</summary>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a probability outside [0, 1].</exception>
    public static double LogLoss(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        InputChecks.ProbabilitiesAndLabels(probabilities, nameof(probabilities), labels, nameof(labels));
        return LogLossUnchecked(probabilities, labels);
    }

    internal static double LogLossUnchecked(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = Math.Clamp(probabilities[i], LogLossEpsilon, 1 - LogLossEpsilon);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / probabilities.Length;
    }

    internal static int CountTrue(ReadOnlySpan<bool> labels)
    {
        var count = 0;
        foreach (var label in labels)
        {
            count += label ? 1 : 0;
        }

        return count;
    }

    private static double? AucUnchecked(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, int positives)
    {
        var negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return null;
        }

        var ranks = ScoreRanking.AverageRanks(scores);
        var positiveRankSum = 0.0;
        for (var i = 0; i < ranks.Length; i++)
        {
            if (labels[i])
            {
                positiveRankSum += ranks[i];
            }
        }

        var u = positiveRankSum - (positives * (positives + 1.0) / 2);
        return u / ((double)positives * negatives);
    }

    private static List<CalibrationBin> CalibrationTable(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        var counts = new int[CalibrationBins];
        var sums = new double[CalibrationBins];
        var hits = new int[CalibrationBins];
        for (var i = 0; i < probabilities.Length; i++)
        {
            var bin = CalibrationBinOf(probabilities[i]);
            counts[bin]++;
            sums[bin] += probabilities[i];
            hits[bin] += labels[i] ? 1 : 0;
        }

        var table = new List<CalibrationBin>(CalibrationBins);
        for (var b = 0; b < CalibrationBins; b++)
        {
            table.Add(new CalibrationBin(
                BinEdge(b),
                BinEdge(b + 1),
                counts[b],
                counts[b] == 0 ? null : sums[b] / counts[b],
                counts[b] == 0 ? null : (double)hits[b] / counts[b]));
        }

        return table;
    }

    private static double BinEdge(int b) => b / (double)CalibrationBins;

    /// <summary>Bin of a probability, checked against the edges themselves so 0.3 lands in [0.3, 0.4)
    /// whatever p × 10 rounds to.</summary>
    internal static int CalibrationBinOf(double p)
    {
        var bin = Math.Clamp((int)(p * CalibrationBins), 0, CalibrationBins - 1);
        if (bin > 0 && p < BinEdge(bin))
        {
            bin--;
        }
        else if (bin < CalibrationBins - 1 && p >= BinEdge(bin + 1))
        {
            bin++;
        }

        return bin;
    }

    private static LiftAtTop Lift(double[] topPositives, int tenths, int positives)
    {
        var n = topPositives.Length - 1;
        var targeted = Math.Max(1, ScoreRanking.TopCount(n, tenths));
        var caught = topPositives[targeted];
        double? capture = positives == 0 ? null : caught / positives;
        double? lift = capture / ((double)targeted / n);
        return new LiftAtTop(tenths / 10.0, targeted, caught, capture, lift);
    }

    private static (List<RocPoint> Roc, List<PrecisionRecallPoint> Pr, double? AveragePrecision) Curves(
        ScoreRanking ranking, ReadOnlySpan<bool> labels, int positives)
    {
        var negatives = ranking.Count - positives;
        var roc = new List<RocPoint>();
        var pr = new List<PrecisionRecallPoint>();
        if (positives > 0 && negatives > 0)
        {
            roc.Add(new RocPoint(0, 0, null));
        }

        if (positives > 0)
        {
            pr.Add(new PrecisionRecallPoint(0, 1, null));
        }

        var truePositives = 0;
        var start = 0;
        var previousRecall = 0.0;
        var averagePrecision = 0.0;
        for (var g = 0; g < ranking.GroupEnds.Length; g++)
        {
            var end = ranking.GroupEnds[g];
            for (var p = start; p < end; p++)
            {
                truePositives += labels[ranking.Order[p]] ? 1 : 0;
            }

            var threshold = ranking.GroupScore(g);
            var falsePositives = end - truePositives;
            if (positives > 0 && negatives > 0)
            {
                roc.Add(new RocPoint((double)falsePositives / negatives, (double)truePositives / positives, threshold));
            }

            if (positives > 0)
            {
                var recall = (double)truePositives / positives;
                var precision = (double)truePositives / end;
                pr.Add(new PrecisionRecallPoint(recall, precision, threshold));
                averagePrecision += (recall - previousRecall) * precision;
                previousRecall = recall;
            }

            start = end;
        }

        return (roc, pr, positives > 0 ? averagePrecision : null);
    }
}
