namespace MlCustomer.Core.Evaluation;

/// <summary>Decision thresholds and the single-feature baseline rule.</summary>
public static partial class BinaryMetrics
{
    /// <summary>The criterion <see cref="BestSingleThresholdRule"/> maximises, as written in its result.</summary>
    /// <remarks>Youden's J rather than accuracy: with churn rates well under 50%, the most accurate single cut
    /// is often "nobody churns", which is no baseline at all.</remarks>
    public const string YoudenCriterion = "Youden's J (true positive rate − false positive rate)";

    /// <summary>
    /// The probability cut that maximises expected retention profit on the given customers: target everyone at
    /// or above the cut; each churner targeted is saved with probability <paramref name="saveRate"/> and is then
    /// worth <paramref name="valueOfSavedCustomer"/>; every offer costs <paramref name="costOfOffer"/>.
    /// Equal probabilities are targeted together. Among equally profitable cuts the one targeting fewer
    /// customers wins, and targeting nobody (profit 0) is a valid answer.
    /// </summary>
    /// <param name="probabilities">Churn probability per customer, each in [0, 1].</param>
    /// <param name="labels">Whether each customer churned.</param>
    /// <param name="costOfOffer">Cost of one offer (≥ 0).</param>
    /// <param name="valueOfSavedCustomer">Value kept when a churner is saved (≥ 0), e.g. predicted profit.</param>
    /// <param name="saveRate">Share of targeted churners the offer keeps, in [0, 1].</param>
    /// <exception cref="ArgumentException">Invalid inputs (see <see cref="Compute"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative cost or value, or a save rate outside [0, 1].</exception>
    public static ExpectedProfitThreshold ExpectedCostThreshold(
        ReadOnlySpan<double> probabilities,
        ReadOnlySpan<bool> labels,
        double costOfOffer,
        double valueOfSavedCustomer,
        double saveRate)
    {
        InputChecks.ProbabilitiesAndLabels(probabilities, nameof(probabilities), labels, nameof(labels));
        InputChecks.NonNegative(costOfOffer, nameof(costOfOffer));
        InputChecks.NonNegative(valueOfSavedCustomer, nameof(valueOfSavedCustomer));
        if (!(saveRate >= 0 && saveRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(saveRate), saveRate, "saveRate must be between 0 and 1.");
        }

        var gainPerSavedChurner = valueOfSavedCustomer * saveRate;
        var ranking = ScoreRanking.Descending(probabilities);
        double? bestThreshold = null;
        var bestTargeted = 0;
        var bestPositives = 0;
        var bestProfit = 0.0;
        var positivesSoFar = 0;
        var start = 0;
        for (var g = 0; g < ranking.GroupEnds.Length; g++)
        {
            var end = ranking.GroupEnds[g];
            for (var p = start; p < end; p++)
            {
                positivesSoFar += labels[ranking.Order[p]] ? 1 : 0;
            }

            var profit = (gainPerSavedChurner * positivesSoFar) - (costOfOffer * end);
            if (profit > bestProfit)
            {
                (bestThreshold, bestTargeted, bestPositives, bestProfit) = (ranking.GroupScore(g), end, positivesSoFar, profit);
            }

            start = end;
        }

        return new ExpectedProfitThreshold(
            bestThreshold,
            bestTargeted,
            bestPositives,
            bestProfit,
            gainPerSavedChurner > 0 ? costOfOffer / gainPerSavedChurner : null,
            costOfOffer,
            valueOfSavedCustomer,
            saveRate);
    }

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
