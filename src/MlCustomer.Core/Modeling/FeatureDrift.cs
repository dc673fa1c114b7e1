using System.Globalization;

namespace MlCustomer.Core.Modeling;

/// <summary>How far a feature's distribution has moved from training, in the usual PSI bands.</summary>
public enum DriftLevel
{
    /// <summary>PSI below 0.1: no meaningful change.</summary>
    Stable,

    /// <summary>PSI from 0.1 to 0.25: worth a look.</summary>
    Moderate,

    /// <summary>PSI of 0.25 or more: the model now sees customers unlike those it learned from.</summary>
    Shifted,
}

/// <summary>One feature's drift between the training rows and later rows.</summary>
/// <param name="Feature">Feature name.</param>
/// <param name="Psi">Population stability index over the feature's training bins.</param>
/// <param name="Level">The PSI band.</param>
/// <param name="TrainingMissingShare">Share of training rows without a value (numeric) or in '(missing)' (categorical).</param>
/// <param name="MissingShare">The same share in the later rows.</param>
/// <param name="LargestMove">The bin whose share moved most, in words ("≤ 12: 10.0% → 31.2%").</param>
public sealed record FeatureDriftResult(string Feature, double Psi, DriftLevel Level, double TrainingMissingShare, double MissingShare, string LargestMove);

/// <summary>How a model's output was distributed over the held-out customers, for drift checks of the outputs.</summary>
/// <param name="BinEdges">Deciles of the outputs (repeats removed).</param>
/// <param name="BinShares">Share of held-out customers per bin of <paramref name="BinEdges"/>, then missing (always 0).</param>
public sealed record OutputDistribution(IReadOnlyList<double> BinEdges, IReadOnlyList<double> BinShares);

/// <summary>
/// Drift checks: each feature of later rows (a new month's customers, a scoring run) against the distribution the
/// bundle's model card kept from training, as a population stability index, PSI = Σ (now − then) × ln(now / then)
/// over the training bins (deciles for numbers, missing as a bin of its own; every category for categories).
/// </summary>
public static class FeatureDrift
{
    /// <summary>PSI from which a feature counts as moderately moved.</summary>
    public const double ModerateFrom = 0.1;

    /// <summary>PSI from which a feature counts as shifted.</summary>
    public const double ShiftedFrom = 0.25;

    /// <summary>
    /// Shares below this are read as it: an empty bin would make the logarithm infinite, and one customer in a
    /// bin that was empty in training is not a shift. (The usual choice in PSI tools.)
    /// </summary>
    public const double ShareFloor = 1e-4;

    /// <summary>The band of <paramref name="psi"/>.</summary>
    public static DriftLevel LevelOf(double psi) => psi >= ShiftedFrom ? DriftLevel.Shifted : psi >= ModerateFrom ? DriftLevel.Moderate : DriftLevel.Stable;

    /// <summary>PSI between two share vectors over the same bins (each summing to 1).</summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static double Psi(IReadOnlyList<double> training, IReadOnlyList<double> now)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(now);
        if (training.Count != now.Count)
        {
            throw new ArgumentException($"{training.Count} training bins against {now.Count} now.", nameof(now));
        }

        var psi = 0.0;
        for (var i = 0; i < training.Count; i++)
        {
            var then = Math.Max(training[i], ShareFloor);
            var current = Math.Max(now[i], ShareFloor);
            psi += (current - then) * Math.Log(current / then);
        }

        return psi;
    }

    /// <summary>The deciles of <paramref name="values"/> (nearest rank), repeats removed: the bin edges of a numeric feature.</summary>
    public static IReadOnlyList<double> DecileEdges(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return [];
        }

        var sorted = values.Order().ToArray();
        return Enumerable.Range(1, 9)
            .Select(decile => sorted[Math.Max(0, (int)Math.Ceiling(decile / 10.0 * sorted.Length) - 1)])
            .Distinct()
            .ToList();
    }

    /// <summary>Shares of <paramref name="values"/> per bin of <paramref name="edges"/>, then the share missing (NaN).</summary>
    public static IReadOnlyList<double> NumericShares(IReadOnlyList<double> edges, IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(values);
        var counts = new long[edges.Count + 2];
        var total = 0L;
        foreach (var value in values)
        {
            counts[double.IsNaN(value) ? edges.Count + 1 : Bin(edges, value)]++;
            total++;
        }

        return counts.Select(c => total == 0 ? 0 : (double)c / total).ToList();
    }

    /// <summary>Shares of <paramref name="values"/> per entry of <paramref name="categories"/>, then the share of any other value.</summary>
    public static IReadOnlyList<double> CategoryShares(IReadOnlyList<string> categories, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(values);
        var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var counts = new long[categories.Count + 1];
        foreach (var value in values)
        {
            counts[index.TryGetValue(value, out var i) ? i : categories.Count]++;
        }

        return counts.Select(c => values.Count == 0 ? 0 : (double)c / values.Count).ToList();
    }

    /// <summary>The distribution of a model's outputs on the held-out customers: deciles, then the shares per bin (the last, missing, empty).</summary>
    public static OutputDistribution LearnOutputs(IReadOnlyList<double> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var edges = DecileEdges(outputs);
        return new OutputDistribution(edges, NumericShares(edges, outputs));
    }

    /// <summary>A model output of later customers (churn probability, predicted profit) against its held-out distribution.</summary>
    public static FeatureDriftResult MeasureOutput(string name, OutputDistribution training, IReadOnlyList<double> outputs)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0)
        {
            throw new ArgumentException("There are no customers to compare with training.", nameof(outputs));
        }

        return Result(name, training.BinShares, NumericShares(training.BinEdges, outputs), BinNames(training.BinEdges), missingBin: training.BinEdges.Count + 1);
    }

    /// <summary>Every feature of <paramref name="rows"/> against the training distribution in <paramref name="contract"/>, most moved first.</summary>
    /// <exception cref="ArgumentException">No rows, or rows that do not fit the contract.</exception>
    /// <exception cref="InvalidOperationException">The contract holds no training distribution (a bundle trained before drift checks).</exception>
    public static IReadOnlyList<FeatureDriftResult> Measure(FeatureContract contract, IReadOnlyList<ModelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no customers to compare with training.", nameof(rows));
        }

        var schema = contract.Schema;
        if (rows.Any(r => r.Numeric.Length != schema.NumericNames.Count || r.Categorical.Length != schema.CategoricalNames.Count))
        {
            throw new ArgumentException(
                $"The rows do not fit the contract's {schema.NumericNames.Count} numeric and {schema.CategoricalNames.Count} categorical features.", nameof(rows));
        }

        // Counted one row at a time, as a scoring run counts its chunks (FeatureDriftCounts): one definition of the shares.
        var counts = new FeatureDriftCounts(contract);
        foreach (var row in rows)
        {
            counts.Add(row);
        }

        return counts.Results();
    }

    // missingBin: the bin of missing values, or -1 when there is none (a categorical feature never missing in training).
    internal static FeatureDriftResult Result(string name, IReadOnlyList<double> training, IReadOnlyList<double> now, IReadOnlyList<string> bins, int missingBin)
    {
        if (training.Count != now.Count)
        {
            throw new InvalidOperationException($"The model card's training distribution of '{name}' has {training.Count} bins where its bin edges or categories make {now.Count}.");
        }

        var then = training;
        var psi = Psi(then, now);
        var moved = Enumerable.Range(0, now.Count).MaxBy(i => Math.Abs(now[i] - then[i]));
        return new FeatureDriftResult(
            name,
            psi,
            LevelOf(psi),
            missingBin >= 0 ? then[missingBin] : 0,
            missingBin >= 0 ? now[missingBin] : 0,
            string.Create(CultureInfo.InvariantCulture, $"{bins[moved]}: {then[moved]:0.0%} → {now[moved]:0.0%}"));
    }

    // "≤ 12", "12 – 30", …, "> 900", "missing": the numeric bins in words.
    internal static IReadOnlyList<string> BinNames(IReadOnlyList<double> edges)
    {
        static string Show(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        var names = new List<string>();
        for (var i = 0; i < edges.Count; i++)
        {
            names.Add(i == 0 ? $"≤ {Show(edges[0])}" : $"{Show(edges[i - 1])} – {Show(edges[i])}");
        }

        names.Add(edges.Count == 0 ? "present" : $"> {Show(edges[^1])}");
        names.Add("missing");
        return names;
    }

    internal static int Bin(IReadOnlyList<double> edges, double value)
    {
        // The first edge at or above the value; past every edge, the last bin.
        int low = 0, high = edges.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (value <= edges[middle])
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }
}
