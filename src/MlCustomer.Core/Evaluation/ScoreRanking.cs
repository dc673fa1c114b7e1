namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Customers ordered by score, highest first, with equal scores kept together as tie groups.
/// Everything that asks "what do the top k catch?" (lift, capture, deciles, Gini, ROC, PR) goes through
/// here, so ties are treated the same way everywhere: a tie group that straddles a cut-off contributes
/// in proportion to the part of it inside the cut, which is the expected result over every order the
/// tied customers could have been listed in. Models with coarse scores (a rule on whole days, a tree
/// with few leaves) would otherwise be judged by the accident of input order.
/// </summary>
internal sealed class ScoreRanking
{
    private ScoreRanking(int[] order, int[] groupEnds, double[] scores)
    {
        Order = order;
        GroupEnds = groupEnds;
        SortedScores = scores;
    }

    /// <summary>Input indices, highest score first; order within a tie group is unspecified.</summary>
    public int[] Order { get; }

    /// <summary>Exclusive end position (in <see cref="Order"/>) of each tie group, ascending; the last is n.</summary>
    public int[] GroupEnds { get; }

    /// <summary>Scores in <see cref="Order"/>.</summary>
    public double[] SortedScores { get; }

    public int Count => Order.Length;

    /// <summary>Score shared by the members of tie group <paramref name="group"/>.</summary>
    public double GroupScore(int group) => SortedScores[GroupEnds[group] - 1];

    public static ScoreRanking Descending(ReadOnlySpan<double> scores)
    {
        var n = scores.Length;
        var keys = new double[n];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            // Negated so the ascending sort gives highest first; -0.0 and 0.0 still compare equal.
            keys[i] = -scores[i];
            order[i] = i;
        }

        Array.Sort(keys, order);
        var sorted = new double[n];
        var ends = new List<int>();
        for (var i = 0; i < n; i++)
        {
            sorted[i] = -keys[i];
            if (i + 1 == n || keys[i + 1] != keys[i])
            {
                ends.Add(i + 1);
            }
        }

        return new ScoreRanking(order, [.. ends], sorted);
    }

    /// <summary>
    /// Expected sum of <paramref name="values"/> over the top k customers, for every k from 0 to n
    /// (element k), spreading each tie group's total evenly over its positions.
    /// </summary>
    public double[] ExpectedTopSums(ReadOnlySpan<double> values)
    {
        var n = Count;
        var cumulative = new double[n + 1];
        var start = 0;
        var before = 0.0;
        foreach (var end in GroupEnds)
        {
            var total = 0.0;
            for (var p = start; p < end; p++)
            {
                total += values[Order[p]];
            }

            var size = end - start;
            for (var j = 1; j <= size; j++)
            {
                cumulative[start + j] = before + (total * j / size);
            }

            // Exact at group ends, so rounding does not drift across thousands of groups.
            before += total;
            cumulative[end] = before;
            start = end;
        }

        return cumulative;
    }

    /// <summary>Same as <see cref="ExpectedTopSums(ReadOnlySpan{double})"/> for 0/1 labels.</summary>
    public double[] ExpectedTopSums(ReadOnlySpan<bool> labels)
    {
        var asNumbers = new double[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            asNumbers[i] = labels[i] ? 1 : 0;
        }

        return ExpectedTopSums(asNumbers);
    }

    /// <summary>
    /// Number of customers in the top <paramref name="tenths"/>/10 of n, rounded up, so deciles and
    /// "top 10% / 20%" use the same cut-offs.
    /// </summary>
    public static int TopCount(int n, int tenths) => (int)(((long)tenths * n + 9) / 10);

    /// <summary>1-based ranks in ascending order of value, ties sharing the average of their ranks.</summary>
    public static double[] AverageRanks(ReadOnlySpan<double> values)
    {
        var n = values.Length;
        var keys = values.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        var ranks = new double[n];
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            // Positions start..end-1 hold ranks start+1..end; their average is (start + 1 + end) / 2.
            var rank = (start + 1 + end) / 2.0;
            for (var p = start; p < end; p++)
            {
                ranks[order[p]] = rank;
            }

            start = end;
        }

        return ranks;
    }

    /// <summary>
    /// At most <paramref name="max"/> points spread evenly over <paramref name="points"/>, always keeping
    /// the first and the last, so curves stay small in the model card and the HTML report.
    /// </summary>
    public static List<T> Downsample<T>(List<T> points, int max)
    {
        if (points.Count <= max)
        {
            return points;
        }

        var kept = new List<T>(max);
        var last = points.Count - 1;
        for (var i = 0; i < max; i++)
        {
            kept.Add(points[(int)Math.Round((double)i * last / (max - 1))]);
        }

        return kept;
    }
}
