using System.Globalization;

namespace MlCustomer.Core.Evaluation;

/// <summary>What a difference between two models on the same customers amounts to.</summary>
public enum DifferenceVerdict
{
    /// <summary>The interval lies entirely on the challenger's good side.</summary>
    Better,

    /// <summary>The interval lies entirely on the challenger's bad side.</summary>
    Worse,

    /// <summary>The interval includes no difference.</summary>
    WithinNoise,
}

/// <summary>
/// One metric of two models on the same customers: challenger − champion, with a percentile bootstrap 95%
/// interval from resampling customers (the same draw for both models, so what they share cancels out).
/// </summary>
/// <param name="Metric">The metric's name, e.g. "churn AUC".</param>
/// <param name="HigherIsBetter">True for AUC or Gini, false for errors and losses.</param>
/// <param name="Champion">The champion's value on all the customers.</param>
/// <param name="Challenger">The challenger's value on all the customers.</param>
/// <param name="Lower">2.5th percentile of the resampled differences.</param>
/// <param name="Upper">97.5th percentile of the resampled differences.</param>
/// <param name="Resamples">Resamples where the metric was defined for both (AUC needs both classes).</param>
public sealed record MetricDifference(string Metric, bool HigherIsBetter, double Champion, double Challenger, double Lower, double Upper, int Resamples)
{
    /// <summary>Challenger − champion on all the customers.</summary>
    public double Difference => Challenger - Champion;

    /// <summary>Better or worse only when the whole interval lies on one side of zero.</summary>
    public DifferenceVerdict Verdict => Lower > 0 ? (HigherIsBetter ? DifferenceVerdict.Better : DifferenceVerdict.Worse)
        : Upper < 0 ? (HigherIsBetter ? DifferenceVerdict.Worse : DifferenceVerdict.Better)
        : DifferenceVerdict.WithinNoise;

    /// <summary>Both models gave every customer the same prediction (e.g. the same value model beside a new churn model).</summary>
    public bool Identical => Difference == 0 && Lower == 0 && Upper == 0;

    /// <summary>The verdict in words: "challenger better", "challenger worse", "within noise" or "identical".</summary>
    public string VerdictText => Identical ? "identical" : Verdict switch
    {
        DifferenceVerdict.Better => "challenger better",
        DifferenceVerdict.Worse => "challenger worse",
        _ => "within noise",
    };

    /// <summary>How the metric's values and differences are printed (a .NET format with an explicit sign).</summary>
    public string Format { get; init; } = "+0.000;-0.000;0.000";

    /// <summary>The difference and its interval, signed: "+0.012 [+0.004, +0.020]".</summary>
    public string Describe()
    {
        string Text(double value) => value.ToString(Format, CultureInfo.InvariantCulture);
        return $"{Text(Difference)} [{Text(Lower)}, {Text(Upper)}]";
    }
}

/// <summary>Paired bootstrap over customers: how sure a difference between two models' metrics is.</summary>
public static class PairedBootstrap
{
    /// <summary>Resamples unless told otherwise.</summary>
    public const int DefaultResamples = 1_000;

    /// <summary>The seed of the resampling unless told otherwise, so the same comparison prints the same interval.</summary>
    public const int DefaultSeed = 42;

    /// <summary>
    /// Computes a metric for both models on every customer and on <paramref name="resamples"/> resamples of the
    /// customers drawn with replacement (customer i of a resample is the same customer for both models).
    /// </summary>
    /// <param name="metric">The metric's name.</param>
    /// <param name="higherIsBetter">Direction of the metric.</param>
    /// <param name="customers">How many customers there are.</param>
    /// <param name="champion">The champion's metric on the customers at the given indices; null where undefined.</param>
    /// <param name="challenger">The challenger's metric likewise.</param>
    /// <param name="resamples">Number of resamples.</param>
    /// <param name="seed">Seed of the draws: the same seed draws the same resamples for every metric.</param>
    /// <returns>The difference, or null when the metric is undefined on the full set of customers.</returns>
    public static MetricDifference? Difference(
        string metric,
        bool higherIsBetter,
        int customers,
        Func<int[], double?> champion,
        Func<int[], double?> challenger,
        int resamples = DefaultResamples,
        int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentOutOfRangeException.ThrowIfLessThan(customers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var all = Enumerable.Range(0, customers).ToArray();
        if (champion(all) is not { } championAll || challenger(all) is not { } challengerAll)
        {
            return null;
        }

        var random = new Random(seed);
        var draw = new int[customers];
        var differences = new List<double>(resamples);
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < customers; i++)
            {
                draw[i] = random.Next(customers);
            }

            if (champion(draw) is { } a && challenger(draw) is { } b)
            {
                differences.Add(b - a);
            }
        }

        if (differences.Count == 0)
        {
            return null;
        }

        differences.Sort();
        return new MetricDifference(metric, higherIsBetter, championAll, challengerAll,
            Percentile(differences, 0.025), Percentile(differences, 0.975), differences.Count);
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double quantile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfLessThan(sorted.Count, 1);
        var position = quantile * (sorted.Count - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>The values at <paramref name="indices"/>, for metric functions that take arrays.</summary>
    public static double[] Gather(IReadOnlyList<double> values, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        var result = new double[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            result[i] = values[indices[i]];
        }

        return result;
    }

    /// <summary>The labels at <paramref name="indices"/>.</summary>
    public static bool[] Gather(IReadOnlyList<bool> values, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        var result = new bool[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            result[i] = values[indices[i]];
        }

        return result;
    }
}
