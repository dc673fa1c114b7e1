using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Scoring;

/// <summary>
/// Turns computed features into the rows a bundle's models read, following the bundle's feature
/// contract: the same names, order and category rules as in training.
/// </summary>
public sealed class FeatureRows
{
    private readonly Func<CustomerFeatures, float>[] numeric;
    private readonly Func<CustomerFeatures, string>[] categorical;
    private readonly string[] categoricalNames;
    private readonly IReadOnlySet<string>[] known;

    // The "name=value" term of every category a column can end up as, made once: batch scoring maps
    // every customer, and a new string per cell was most of its cost.
    private readonly Dictionary<string, string>[] terms;

    /// <summary>Prepares the mapping; fails when the contract names a feature the table does not have.</summary>
    public FeatureRows(FeatureContract contract, IReadOnlyList<string> attributeNames)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(attributeNames);
        var schema = contract.Schema;
        var byName = FeatureColumns.Numeric.ToDictionary(n => n.Name, StringComparer.Ordinal);
        numeric = schema.NumericNames.Select(name => byName.TryGetValue(name, out var feature)
            ? (Func<CustomerFeatures, float>)(f => (float)feature.Value(f))
            : throw new ArgumentException($"The model needs the numeric feature '{name}', which the feature builder does not compute.")).ToArray();
        categorical = schema.CategoricalNames.Select(name =>
        {
            if (name == FeatureColumns.MainChannel)
            {
                return f => f.MainChannel;
            }

            var index = attributeNames.ToList().IndexOf(name);
            return index >= 0
                ? (Func<CustomerFeatures, string>)(f => f.Attributes[index])
                : throw new ArgumentException($"The model needs the customer attribute '{name}', which the customers data does not have.");
        }).ToArray();
        categoricalNames = schema.CategoricalNames.ToArray();
        known = contract.Features
            .Where(f => f.Kind == FeatureKind.Categorical)
            .Select(f => (IReadOnlySet<string>)(f.Categories ?? []).ToHashSet(StringComparer.Ordinal))
            .ToArray();
        terms = categoricalNames
            .Select((name, i) => known.ElementAtOrDefault(i) is { } kept
                ? kept.Append(ModelDatasets.MissingCategory).Append(ModelDatasets.OtherCategory).Distinct(StringComparer.Ordinal)
                    .ToDictionary(c => c, c => FeatureSchema.Term(name, c), StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal))
            .ToArray();
    }

    /// <summary>The model row of one customer (labels left empty).</summary>
    public ModelRow From(CustomerFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var row = new ModelRow { Numeric = new float[numeric.Length], Categorical = new string[categorical.Length] };
        Fill(features, row);
        return row;
    }

    /// <summary>
    /// Overwrites <paramref name="row"/> (made by <see cref="From"/>, or with arrays of the contract's sizes) with one
    /// customer's model row: a run that only counts each row (drift) reuses one row per thread instead of a million.
    /// </summary>
    public void Fill(CustomerFeatures features, ModelRow row)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(row);
        if (row.Numeric.Length != numeric.Length || row.Categorical.Length != categorical.Length)
        {
            throw new ArgumentException($"The row must hold {numeric.Length} numeric and {categorical.Length} categorical features.", nameof(row));
        }

        row.CustomerId = features.CustomerId;
        for (var i = 0; i < numeric.Length; i++)
        {
            row.Numeric[i] = numeric[i](features);
        }

        for (var i = 0; i < categorical.Length; i++)
        {
            var category = ModelDatasets.Categorize(categorical[i](features), known[i]);
            row.Categorical[i] = terms[i].TryGetValue(category, out var term) ? term : FeatureSchema.Term(categoricalNames[i], category);
        }
    }
}
