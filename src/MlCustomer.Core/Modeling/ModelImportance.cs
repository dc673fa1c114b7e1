using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Modeling;

/// <summary>
/// Permutation importance per original feature (not per one-hot slot): a categorical feature is
/// shuffled as a whole, so "region" is one bar, not five.
/// </summary>
public static class ModelImportance
{
    /// <summary>
    /// Shuffles each feature of <paramref name="rows"/> in turn and reports how much
    /// <paramref name="score"/> (higher = better, e.g. held-out AUC) drops.
    /// </summary>
    public static IReadOnlyList<FeatureImportance> Compute(
        FeatureSchema schema, IReadOnlyList<ModelRow> rows, Func<IReadOnlyList<ModelRow>, double> score, int seed)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(score);
        var numericCount = schema.NumericNames.Count;
        var vocabulary = schema.CategoricalNames
            .Select((_, j) => rows.Select(r => r.Categorical[j]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray())
            .ToArray();
        var codes = vocabulary.Select(v => v.Select((term, i) => (term, i)).ToDictionary(x => x.term, x => (double)x.i, StringComparer.Ordinal)).ToArray();
        var matrix = rows.Select(r => r.Numeric.Select(v => (double)v)
            .Concat(r.Categorical.Select((term, j) => codes[j][term]))
            .ToArray()).ToArray();

        IReadOnlyList<ModelRow> ToRows(double[][] permuted) => permuted.Select((values, i) => new ModelRow
        {
            CustomerId = rows[i].CustomerId,
            Numeric = values.Take(numericCount).Select(v => (float)v).ToArray(),
            Categorical = values.Skip(numericCount).Select((code, j) => vocabulary[j][(int)code]).ToArray(),
            Label = rows[i].Label,
            Value = rows[i].Value,
        }).ToList();

        var names = schema.NumericNames.Concat(schema.CategoricalNames).ToList();
        var result = PermutationImportance.Compute(matrix, permuted => score(ToRows(permuted)), seed, featureNames: names);
        return result.Features.OrderByDescending(f => f.MeanDrop).ToList();
    }
}
