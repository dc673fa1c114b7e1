using MlCustomer.Core.Features;

namespace MlCustomer.Core.Modeling;

/// <summary>
/// Rows ready for training, with their schema and the columns that were left out and why.
/// </summary>
/// <param name="Schema">Feature names in model order.</param>
/// <param name="Rows">One row per customer.</param>
/// <param name="ExcludedColumns">Column name → why it is not a feature (constant, id-like, excluded by the user …).</param>
/// <param name="HasValueLabel">True when <see cref="ModelRow.Value"/> holds a real label.</param>
public sealed record ModelDataset(
    FeatureSchema Schema,
    IReadOnlyList<ModelRow> Rows,
    IReadOnlyDictionary<string, string> ExcludedColumns,
    bool HasValueLabel);

/// <summary>Turns feature tables into <see cref="ModelDataset"/>s.</summary>
public static class ModelDatasets
{
    /// <summary>The category a missing cell becomes.</summary>
    public const string MissingCategory = "(missing)";

    /// <summary>The category that holds values too rare to learn from, and values never seen in training.</summary>
    public const string OtherCategory = "(other)";

    /// <summary>A category needs this many customers to be kept on its own; rarer ones become <see cref="OtherCategory"/>.</summary>
    public const int MinCustomersPerCategory = 10;

    /// <summary>
    /// The point-in-time feature table as model rows: every numeric feature that varies, main channel
    /// and the customer attributes as categories; churn and profit-in-horizon as labels.
    /// </summary>
    public static ModelDataset FromFeatureTable(FeatureTable table, IReadOnlySet<string>? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        exclude ??= new HashSet<string>();
        var excluded = new SortedDictionary<string, string>(StringComparer.Ordinal);

        var numeric = new List<NumericFeature>();
        foreach (var feature in FeatureColumns.Numeric)
        {
            if (exclude.Contains(feature.Name))
            {
                excluded[feature.Name] = "excluded by the user";
            }
            else if (IsConstant(table.Rows.Select(feature.Value)))
            {
                excluded[feature.Name] = "constant (or always missing): nothing to learn from";
            }
            else
            {
                numeric.Add(feature);
            }
        }

        var categorical = new List<(string Name, Func<CustomerFeatures, string> Value)>
        {
            (FeatureColumns.MainChannel, f => f.MainChannel),
        };
        categorical.AddRange(table.AttributeNames.Select((name, i) => (name, (Func<CustomerFeatures, string>)(f => f.Attributes[i]))));
        categorical.RemoveAll(c =>
        {
            var reason = exclude.Contains(c.Name) ? "excluded by the user"
                : table.Rows.Select(c.Value).Distinct(StringComparer.Ordinal).Take(2).Count() < 2 ? "constant: nothing to learn from"
                : null;
            if (reason is not null)
            {
                excluded[c.Name] = reason;
            }

            return reason is not null;
        });

        var kept = categorical.Select(c => KeptCategories(table.Rows.Select(c.Value))).ToList();
        var schema = new FeatureSchema(numeric.Select(n => n.Name).ToList(), categorical.Select(c => c.Name).ToList());
        var rows = table.Rows.Select(r => new ModelRow
        {
            CustomerId = r.CustomerId,
            Numeric = numeric.Select(n => (float)n.Value(r)).ToArray(),
            Categorical = categorical.Select((c, i) => FeatureSchema.Term(c.Name, Categorize(c.Value(r), kept[i]))).ToArray(),
            Label = r.Churned == true,
            Value = (float)(r.ProfitInHorizon ?? 0),
        }).ToList();
        return new ModelDataset(schema, rows, excluded, table.HasLabels);
    }

    /// <summary>The categories frequent enough to keep.</summary>
    public static IReadOnlySet<string> KeptCategories(IEnumerable<string> values) =>
        values.Select(Normalize)
            .GroupBy(v => v, StringComparer.Ordinal)
            .Where(g => g.Count() >= MinCustomersPerCategory || g.Key == MissingCategory)
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>A raw cell as the category the models see: missing, kept, or other.</summary>
    public static string Categorize(string? value, IReadOnlySet<string> kept)
    {
        ArgumentNullException.ThrowIfNull(kept);
        var normalized = Normalize(value);
        return normalized == MissingCategory || kept.Contains(normalized) ? normalized : OtherCategory;
    }

    private static string Normalize(string? value) =>
        string.IsNullOrWhiteSpace(value) ? MissingCategory : value.Trim();

    private static bool IsConstant(IEnumerable<double> values)
    {
        double? first = null;
        foreach (var value in values)
        {
            if (double.IsNaN(value))
            {
                continue;
            }

            if (first is null)
            {
                first = value;
            }
            else if (value != first)
            {
                return false;
            }
        }

        return true;
    }
}
