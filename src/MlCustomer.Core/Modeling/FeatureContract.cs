namespace MlCustomer.Core.Modeling;

/// <summary>Whether a feature is a number or a category.</summary>
public enum FeatureKind
{
    /// <summary>A number; NaN means missing.</summary>
    Numeric,

    /// <summary>A category from a known set.</summary>
    Categorical,
}

/// <summary>
/// One feature as the models were trained on it: its kind, the range or categories seen in training
/// and how a missing value is treated. The API validates requests against it.
/// </summary>
public sealed record FeatureSpec
{
    /// <summary>Feature name (column name, with its unit).</summary>
    public required string Name { get; init; }

    /// <summary>Numeric or categorical.</summary>
    public required FeatureKind Kind { get; init; }

    /// <summary>Smallest value in training (numeric only).</summary>
    public double? Min { get; init; }

    /// <summary>Largest value in training (numeric only).</summary>
    public double? Max { get; init; }

    /// <summary>Share of training rows where the value was missing.</summary>
    public double MissingShare { get; init; }

    /// <summary>The categories kept in training (categorical only); rarer ones became <see cref="ModelDatasets.OtherCategory"/>.</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>How a missing value is handled, in words.</summary>
    public required string MissingRule { get; init; }

    /// <summary>
    /// Numeric only: the upper edges of the bins the training values fall in (their deciles, repeats removed):
    /// bin i holds values ≤ edge i that are above the edge before, the last bin the values above every edge.
    /// </summary>
    public IReadOnlyList<double>? BinEdges { get; init; }

    /// <summary>
    /// The share of training rows in each bin, what later data is compared with (<see cref="FeatureDrift"/>):
    /// numeric features one per bin of <see cref="BinEdges"/> and then the missing values; categorical ones one per
    /// entry of <see cref="Categories"/>. Null in bundles trained before drift checks.
    /// </summary>
    public IReadOnlyList<double>? BinShares { get; init; }
}

/// <summary>The feature contract of a model bundle: every feature, in model order.</summary>
/// <param name="Features">Numeric features first, then categorical, in the order of the <see cref="FeatureSchema"/>.</param>
public sealed record FeatureContract(IReadOnlyList<FeatureSpec> Features)
{
    /// <summary>The rule for categories that training never saw.</summary>
    public const string UnseenCategoryRule =
        "a category not seen in training is treated as '(other)', the bucket that holds the rare training categories";

    /// <summary>The schema (names and order) the models read.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public FeatureSchema Schema => new(
        Features.Where(f => f.Kind == FeatureKind.Numeric).Select(f => f.Name).ToList(),
        Features.Where(f => f.Kind == FeatureKind.Categorical).Select(f => f.Name).ToList());

    /// <summary>Learns the contract from training rows.</summary>
    public static FeatureContract Learn(FeatureSchema schema, IReadOnlyList<ModelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        var features = new List<FeatureSpec>();
        for (var i = 0; i < schema.NumericNames.Count; i++)
        {
            var present = rows.Select(r => (double)r.Numeric[i]).Where(v => !double.IsNaN(v)).ToList();
            var edges = FeatureDrift.DecileEdges(present);
            features.Add(new FeatureSpec
            {
                Name = schema.NumericNames[i],
                Kind = FeatureKind.Numeric,
                Min = present.Count > 0 ? present.Min() : null,
                Max = present.Count > 0 ? present.Max() : null,
                MissingShare = rows.Count == 0 ? 0 : 1 - ((double)present.Count / rows.Count),
                MissingRule = "missing (empty, null or NaN in a request) is read as 0 by the model, as the missing values of training were",
                BinEdges = edges,
                BinShares = FeatureDrift.NumericShares(edges, rows.Select(r => (double)r.Numeric[i])),
            });
        }

        for (var i = 0; i < schema.CategoricalNames.Count; i++)
        {
            var prefix = schema.CategoricalNames[i] + "=";
            var values = rows.Select(r => r.Categorical[i][prefix.Length..]).ToList();
            var categories = values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            features.Add(new FeatureSpec
            {
                Name = schema.CategoricalNames[i],
                Kind = FeatureKind.Categorical,
                Categories = categories,
                BinShares = FeatureDrift.CategoryShares(categories, values),
                MissingShare = rows.Count == 0 ? 0 : (double)values.Count(v => v == ModelDatasets.MissingCategory) / rows.Count,
                MissingRule = $"missing is its own category '{ModelDatasets.MissingCategory}'; {UnseenCategoryRule}",
            });
        }

        return new FeatureContract(features);
    }
}
