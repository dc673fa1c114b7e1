namespace MlCustomer.Core.Evaluation;

/// <summary>
/// The normalized Gini of bootstrap resamples of one set of customers, from how often each customer was drawn.
/// A resample holds the same customers (some several times, some not at all), so its rankings by prediction and by
/// actual value are the full set's rankings with repeated or missing members: the customers are sorted once here,
/// and each resample is one pass over that order instead of two sorts. The value equals
/// <see cref="RegressionMetrics.NormalizedGini"/> over the resample's rows, ties treated the same way (a tie group's
/// total spread evenly over its positions), up to rounding.
/// </summary>
internal sealed class ResampledGini
{
    private readonly ScoreRanking _byPrediction;
    private readonly ScoreRanking _byActual;
    private readonly double[] _actual;

    public ResampledGini(double[] predicted, double[] actual)
    {
        _byPrediction = ScoreRanking.Descending(predicted);
        _byActual = ScoreRanking.Descending(actual);
        _actual = actual;
    }

    /// <summary>The normalized Gini of the resample in which customer i was drawn <paramref name="timesDrawn"/>[i] times; null where it is undefined.</summary>
    public double? Of(ReadOnlySpan<int> timesDrawn)
    {
        var model = RawGini(_byPrediction, timesDrawn);
        var ideal = RawGini(_byActual, timesDrawn);
        if (model is null || ideal is null || ideal.Value == 0)
        {
            return null;
        }

        return model.Value / ideal.Value;
    }

    /// <summary>How often each of <paramref name="customers"/> customers appears in <paramref name="draw"/> (positions 0..customers − 1).</summary>
    public static int[] TimesDrawn(int customers, ReadOnlySpan<int> draw)
    {
        var times = new int[customers];
        foreach (var i in draw)
        {
            times[i]++;
        }

        return times;
    }

    // 2 × mean(running sum / total) − 1 over the resample's positions. A tie group of W drawn rows with total S that
    // starts after running sum B contributes Σ_{j=1..W} (B + S·j/W) = W·B + S·(W + 1)/2 to the sum of running sums.
    private double? RawGini(ScoreRanking ranking, ReadOnlySpan<int> timesDrawn)
    {
        var order = ranking.Order;
        double before = 0, sumOfRunningSums = 0;
        long rows = 0;
        var start = 0;
        foreach (var end in ranking.GroupEnds)
        {
            long drawn = 0;
            var total = 0.0;
            for (var p = start; p < end; p++)
            {
                var customer = order[p];
                var times = timesDrawn[customer];
                drawn += times;
                total += times * _actual[customer];
            }

            sumOfRunningSums += (drawn * before) + (total * (drawn + 1) / 2);
            before += total;
            rows += drawn;
            start = end;
        }

        if (before == 0 || rows == 0)
        {
            return null;
        }

        return (2 * (sumOfRunningSums / before) / rows) - 1;
    }
}
