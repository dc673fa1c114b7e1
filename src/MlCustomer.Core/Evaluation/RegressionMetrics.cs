namespace MlCustomer.Core.Evaluation;

/// <summary>Metrics for predicted customer value (CLV / profit in the horizon) on held-out customers.</summary>
public static class RegressionMetrics
{
    private const int DecileCount = 10;

    /// <summary>Computes every value metric at once.</summary>
    /// <param name="predicted">Predicted value per customer.</param>
    /// <param name="actual">Actual value per customer in the same order; negatives allowed (loss-making customers).</param>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a non-finite value.</exception>
    public static RegressionMetricsResult Compute(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        Check(predicted, actual);
        var n = predicted.Length;
        double totalActual = 0, totalPredicted = 0, absoluteError = 0, squaredError = 0;
        for (var i = 0; i < n; i++)
        {
            totalActual += actual[i];
            totalPredicted += predicted[i];
            var error = predicted[i] - actual[i];
            absoluteError += Math.Abs(error);
            squaredError += error * error;
        }

        var meanActual = totalActual / n;
        var totalSquares = 0.0;
        foreach (var value in actual)
        {
            totalSquares += (value - meanActual) * (value - meanActual);
        }

        var ranking = ScoreRanking.Descending(predicted);
        var deciles = Deciles(ranking, ranking.ExpectedTopSums(actual), totalActual);
        return new RegressionMetricsResult(
            Count: n,
            TotalActual: totalActual,
            MeanActual: meanActual,
            MeanPredicted: totalPredicted / n,
            Mae: absoluteError / n,
            Rmse: Math.Sqrt(squaredError / n),
            RSquared: totalSquares > 0 ? 1 - (squaredError / totalSquares) : null,
            NormalizedGini: NormalizedGiniUnchecked(ranking, actual),
            Spearman: SpearmanUnchecked(predicted, actual),
            TopDecileCapture: deciles[0].ShareOfActual,
            Deciles: deciles);
    }

    /// <summary>
    /// Normalized Gini as in Google's lifetime_value (<c>cumulative_true</c> and <c>gini_from_gain</c>):
    /// the gain curve is the running sum of actual values, customers taken by prediction from the highest down,
    /// divided by the total; raw Gini = 2 × mean(gain) − 1; normalized = raw Gini of the model's order ÷ raw
    /// Gini of the order by actual value itself. Negative values are used as they are, as there (no clipping),
    /// so the gain curve can leave [0, 1] for loss-making customers.
    /// Differences from that code: equal predictions are credited with their group's average share (the expected
    /// curve over every order of the tied customers, where pandas' sort picks an arbitrary one), and a total of
    /// zero or an ideal curve with raw Gini 0 gives null instead of NaN or infinity.
    /// Unlike Kaggle's normalized Gini, the raw Gini has no (n + 1) / 2n correction, so on small samples a
    /// random or constant prediction scores slightly above 0 (about 1/n relative to the ideal); with the
    /// thousands of customers of a real evaluation this is negligible.
    /// </summary>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a non-finite value.</exception>
    public static double? NormalizedGini(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        Check(predicted, actual);
        return NormalizedGiniUnchecked(ScoreRanking.Descending(predicted), actual);
    }

    /// <summary>Spearman rank correlation, ties sharing the average of their ranks.</summary>
    /// <returns>The correlation in [−1, 1], or null when either side is constant (including a single customer).</returns>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a non-finite value.</exception>
    public static double? Spearman(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        Check(predicted, actual);
        return SpearmanUnchecked(predicted, actual);
    }

    private static void Check(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        InputChecks.NotEmpty(predicted.Length, nameof(predicted));
        InputChecks.SameLength(predicted.Length, nameof(predicted), actual.Length, nameof(actual));
        InputChecks.Finite(predicted, nameof(predicted));
        InputChecks.Finite(actual, nameof(actual));
    }

    private static double? NormalizedGiniUnchecked(ScoreRanking byPrediction, ReadOnlySpan<double> actual)
    {
        var model = RawGini(byPrediction.ExpectedTopSums(actual));
        var ideal = RawGini(ScoreRanking.Descending(actual).ExpectedTopSums(actual));
        if (model is null || ideal is null || ideal.Value == 0)
        {
            return null;
        }

        return model.Value / ideal.Value;
    }

    /// <summary>2 × mean(running sum / total) − 1 over positions 1..n; null when the total is 0.</summary>
    private static double? RawGini(double[] topSums)
    {
        var n = topSums.Length - 1;
        var total = topSums[n];
        if (total == 0)
        {
            return null;
        }

        var sum = 0.0;
        for (var k = 1; k <= n; k++)
        {
            sum += topSums[k] / total;
        }

        return (2 * sum / n) - 1;
    }

    private static double? SpearmanUnchecked(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        var x = ScoreRanking.AverageRanks(predicted);
        var y = ScoreRanking.AverageRanks(actual);
        var mean = (x.Length + 1) / 2.0; // average ranks always average to (n + 1) / 2
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var dx = x[i] - mean;
            var dy = y[i] - mean;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        if (sxx == 0 || syy == 0)
        {
            return null;
        }

        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    private static List<DecileRow> Deciles(ScoreRanking ranking, double[] topActual, double totalActual)
    {
        var n = ranking.Count;
        // Tied predictions are equal, so plain running sums of the sorted predictions are already the expected ones.
        var topPredicted = new double[n + 1];
        for (var k = 0; k < n; k++)
        {
            topPredicted[k + 1] = topPredicted[k] + ranking.SortedScores[k];
        }

        var rows = new List<DecileRow>(DecileCount);
        for (var d = 0; d < DecileCount; d++)
        {
            var from = ScoreRanking.TopCount(n, d);
            var to = ScoreRanking.TopCount(n, d + 1);
            var count = to - from;
            if (count == 0)
            {
                rows.Add(new DecileRow(d + 1, 0, null, null, null));
                continue;
            }

            var actualSum = topActual[to] - topActual[from];
            rows.Add(new DecileRow(
                d + 1,
                count,
                (topPredicted[to] - topPredicted[from]) / count,
                actualSum / count,
                totalActual > 0 ? actualSum / totalActual : null));
        }

        return rows;
    }
}
