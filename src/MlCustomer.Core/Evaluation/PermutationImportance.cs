namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Model-agnostic feature importance: how much a held-out score drops when one feature's column is shuffled,
/// breaking its link to the outcome while keeping its distribution.
/// </summary>
public static class PermutationImportance
{
    /// <summary>Shuffles per feature when the caller does not say.</summary>
    public const int DefaultRepeats = 3;

    /// <summary>
    /// For each feature (column), shuffles that column <paramref name="repeats"/> times, rescoring each time, and
    /// reports the mean and standard deviation of baseline − permuted score. The input is not modified: one
    /// working copy of the matrix is made, and each column is restored after its turn, so memory stays at one
    /// copy plus one column whatever the number of features.
    /// </summary>
    /// <param name="rows">Feature values, one row per customer, all rows the same length. Missing values (NaN)
    /// are allowed if <paramref name="score"/> handles them.</param>
    /// <param name="score">Scores a matrix of the same shape, higher = better (e.g. AUC, normalized Gini, or
    /// −MAE). It receives the same working matrix every call and must not keep it or modify it.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="repeats">Shuffles per feature.</param>
    /// <param name="featureNames">Names for the report, one per column; "feature 0", "feature 1"… when omitted.</param>
    /// <exception cref="ArgumentException">No rows, ragged rows, or names that do not match the columns.</exception>
    /// <exception cref="InvalidOperationException">The score function returned a non-finite number.</exception>
    public static PermutationImportanceResult Compute(
        double[][] rows,
        Func<double[][], double> score,
        int seed,
        int repeats = DefaultRepeats,
        IReadOnlyList<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(score);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        InputChecks.NotEmpty(rows.Length, nameof(rows));
        var features = rows[0]?.Length ?? 0;
        var working = new double[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null || rows[i].Length != features)
            {
                throw new ArgumentException($"rows[{i}] has {rows[i]?.Length ?? 0} values but rows[0] has {features}; every row needs the same number.", nameof(rows));
            }

            working[i] = (double[])rows[i].Clone();
        }

        if (featureNames is not null && featureNames.Count != features)
        {
            throw new ArgumentException($"featureNames has {featureNames.Count} names but rows have {features} columns.", nameof(featureNames));
        }

        var baseline = Checked(score(working));
        var random = new Random(seed);
        var column = new double[rows.Length];
        var drops = new double[repeats];
        var results = new List<FeatureImportance>(features);
        for (var f = 0; f < features; f++)
        {
            for (var r = 0; r < repeats; r++)
            {
                for (var i = 0; i < rows.Length; i++)
                {
                    column[i] = rows[i][f];
                }

                random.Shuffle(column);
                for (var i = 0; i < rows.Length; i++)
                {
                    working[i][f] = column[i];
                }

                drops[r] = baseline - Checked(score(working));
            }

            for (var i = 0; i < rows.Length; i++)
            {
                working[i][f] = rows[i][f];
            }

            var mean = drops.Average();
            var variance = drops.Sum(d => (d - mean) * (d - mean)) / repeats;
            results.Add(new FeatureImportance(f, featureNames?[f] ?? $"feature {f}", mean, Math.Sqrt(variance)));
        }

        return new PermutationImportanceResult(baseline, repeats, results);
    }

    private static double Checked(double value) =>
        double.IsFinite(value) ? value : throw new InvalidOperationException($"The score function returned {value}; it must return a finite number.");
}

/// <summary>Permutation importance of every feature, in column order.</summary>
/// <param name="BaselineScore">Score with no column shuffled.</param>
/// <param name="Repeats">Shuffles per feature.</param>
/// <param name="Features">One entry per column, in column order (sort by <see cref="FeatureImportance.MeanDrop"/> to rank).</param>
public sealed record PermutationImportanceResult(double BaselineScore, int Repeats, IReadOnlyList<FeatureImportance> Features);

/// <summary>How much the score drops when one feature is shuffled.</summary>
/// <param name="Index">Column index.</param>
/// <param name="Name">Feature name.</param>
/// <param name="MeanDrop">Mean of baseline − shuffled score; about 0 (or slightly negative) for a useless feature.</param>
/// <param name="StandardDeviation">Population standard deviation of the drops (as scikit-learn reports it).</param>
public sealed record FeatureImportance(int Index, string Name, double MeanDrop, double StandardDeviation);
