namespace MlCustomer.Core.Evaluation;

/// <summary>Decision thresholds and the single-feature baseline rule.</summary>
public static partial class BinaryMetrics
{
    /// <summary>The criterion <see cref="BestSingleThresholdRule"/> maximises, as written in its result.</summary>
    /// <remarks>Youden's J rather than accuracy: with churn rates well under 50%, the most accurate single cut
    /// is often "nobody churns", which is no baseline at all.</remarks>
    public const string YoudenCriterion = "Youden's J (true positive rate − false positive rate)";

    /// <summary>
    /// Fits the baseline rule "positive when <paramref name="feature"/> ≥ N" by choosing, among the observed
    /// feature values, the N with the highest Youden's J (ties: the higher N, flagging fewer customers).
    /// Also reports the AUC of the raw feature as a score, which is what a model's AUC should be compared with.
    /// </summary>
    /// <param name="feature">One number per customer where higher means more likely positive (e.g. recency in days).</param>
    /// <param name="labels">Whether each customer is positive.</param>
    /// <param name="featureName">Name used in the rule's description.</param>
    /// <exception cref="ArgumentException">Invalid inputs, or labels with only one class (no rule can be chosen).</exception>
    public static SingleThresholdRule BestSingleThresholdRule(
        ReadOnlySpan<double> feature,
        ReadOnlySpan<bool> labels,
        string featureName = "feature")
    {
        InputChecks.ScoresAndLabels(feature, nameof(feature), labels, nameof(labels));
        var n = feature.Length;
        var positives = CountTrue(labels);
        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException("labels must contain both classes to choose a threshold rule.", nameof(labels));
        }

        var ranking = ScoreRanking.Descending(feature);
        var (bestJ, bestGroup, bestTp, bestFp) = (double.NegativeInfinity, 0, 0, 0);
        var truePositives = 0;
        var start = 0;
        for (var g = 0; g < ranking.GroupEnds.Length; g++)
        {
            var end = ranking.GroupEnds[g];
            for (var p = start; p < end; p++)
            {
                truePositives += labels[ranking.Order[p]] ? 1 : 0;
            }

            var falsePositives = end - truePositives;
            var j = ((double)truePositives / positives) - ((double)falsePositives / negatives);
            if (j > bestJ)
            {
                (bestJ, bestGroup, bestTp, bestFp) = (j, g, truePositives, falsePositives);
            }

            start = end;
        }

        var threshold = ranking.GroupScore(bestGroup);
        return new SingleThresholdRule(
            featureName,
            threshold,
            YoudenCriterion,
            bestJ,
            (double)(bestTp + (negatives - bestFp)) / n,
            (double)bestTp / positives,
            (double)bestFp / negatives,
            AucUnchecked(feature, labels, positives)!.Value,
            $"positive when {featureName} ≥ {InputChecks.Show(threshold)}");
    }
}
