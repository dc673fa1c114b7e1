using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;

namespace MlCustomer.Api.Scoring;

/// <summary>
/// The active bundle's feature contract, indexed for checking requests: which names exist, in which
/// slot each goes, which may be missing, the training ranges and categories. Built once per model
/// generation. Every check a value gets lives here, so the JSON and CSV endpoints apply the same rules.
/// </summary>
public sealed class InputContract
{
    private readonly Dictionary<string, int> numericIndex;
    private readonly Dictionary<string, int> categoricalIndex;
    private readonly IReadOnlySet<string>[] known;
    private readonly Domain[] numericDomains;
    private readonly (int Lesser, int Greater, string Why)[] orderings;

    /// <summary>Indexes the contract of <paramref name="card"/>.</summary>
    public InputContract(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        Card = card;
        Numeric = card.FeatureContract.Features.Where(f => f.Kind == FeatureKind.Numeric).ToList();
        Categorical = card.FeatureContract.Features.Where(f => f.Kind == FeatureKind.Categorical).ToList();
        numericIndex = Numeric.Select((f, i) => (f.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        categoricalIndex = Categorical.Select((f, i) => (f.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        known = Categorical.Select(f => (IReadOnlySet<string>)(f.Categories ?? []).ToHashSet(StringComparer.Ordinal)).ToArray();
        numericDomains = Numeric.Select(f => FeatureDomains.Of(f.Name)).ToArray();
        orderings = FeatureDomains.Orderings
            .Where(o => numericIndex.ContainsKey(o.Lesser) && numericIndex.ContainsKey(o.Greater))
            .Select(o => (numericIndex[o.Lesser], numericIndex[o.Greater], o.Why))
            .ToArray();
        AttributeNames = Categorical.Select(f => f.Name).Where(n => n != FeatureColumns.MainChannel).ToList();
        Table = card.Table is null ? null : new TableRowEncoder(card);
        SegmentOnly = SegmentFeatures.Names.Where(n => !numericIndex.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The card.</summary>
    public ModelCard Card { get; }

    /// <summary>
    /// For a bundle trained on a customer table (with its encoding in the card): how a row of that table, as it appears in the
    /// file, becomes a model row. Requests then send the file's own columns and raw values ("Partner": "Yes"); null otherwise.
    /// </summary>
    public TableRowEncoder? Table { get; }

    /// <summary>Numeric features in model order.</summary>
    public IReadOnlyList<FeatureSpec> Numeric { get; }

    /// <summary>Categorical features in model order.</summary>
    public IReadOnlyList<FeatureSpec> Categorical { get; }

    /// <summary>The customer attributes the model reads (categorical features other than main_channel).</summary>
    public IReadOnlyList<string> AttributeNames { get; }

    /// <summary>Segmentation inputs the churn model does not read but a request may still send for its segment.</summary>
    public IReadOnlySet<string> SegmentOnly { get; }

    /// <summary>True when features can be computed from raw history with this bundle.</summary>
    public bool AcceptsHistory => Card.InputKind == "transactional";

    /// <summary>Every name a precomputed-features request may use, for messages.</summary>
    public string DescribeNames() => string.Join(", ", Numeric.Select(f => f.Name).Concat(Categorical.Select(f => f.Name)));

    /// <summary>
    /// True when no two values of the model row contradict each other (<see cref="FeatureDomains.Orderings"/>, over the
    /// features this model reads); a missing value (NaN) contradicts nothing. Allocates nothing.
    /// </summary>
    public bool Consistent(ReadOnlySpan<float> numbers)
    {
        foreach (var (lesser, greater, _) in orderings)
        {
            if (numbers[lesser] > numbers[greater])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds, for every pair of values that contradict each other, a problem naming both features.</summary>
    public void CheckConsistency(ReadOnlySpan<float> numbers, string path, Errors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var (lesser, greater, why) in orderings)
        {
            if (numbers[lesser] > numbers[greater])
            {
                errors.Add($"{path}.{Numeric[lesser].Name}",
                    $"{FeatureDomains.Show(numbers[lesser])} is more than {Numeric[greater].Name} ({FeatureDomains.Show(numbers[greater])}), which cannot be: {why}");
            }
        }
    }

    /// <summary>The slot of a numeric feature, or -1.</summary>
    public int NumericSlot(string name) => numericIndex.GetValueOrDefault(name, -1);

    /// <summary>The slot of a categorical feature, or -1.</summary>
    public int CategoricalSlot(string name) => categoricalIndex.GetValueOrDefault(name, -1);

    /// <summary>True when <paramref name="name"/> is a feature or a segmentation input.</summary>
    public bool IsKnown(string name) => numericIndex.ContainsKey(name) || categoricalIndex.ContainsKey(name) || SegmentOnly.Contains(name);

    /// <summary>
    /// A present numeric value: null when it is acceptable (a warning is added when it lies outside the
    /// training range), else the problem. Values outside the training range are kept as they are: tree
    /// models cannot extrapolate and score them like the nearest edge of the range, which the warning says.
    /// </summary>
    public string? CheckNumber(string name, double value, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var problem = FeatureDomains.Problem(name, value);
        if (problem is not null)
        {
            return problem;
        }

        var slot = NumericSlot(name);
        if (slot >= 0)
        {
            WarnOutsideRange(Numeric[slot], value, warnings);
        }

        return null;
    }

    /// <summary>
    /// <see cref="CheckNumber(string, double, List{string})"/> for the numeric feature in <paramref name="slot"/>:
    /// the same answer, without looking the name up (the CSV endpoint checks every cell of a million rows).
    /// </summary>
    public string? CheckNumber(int slot, double value, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        if (!numericDomains[slot].Contains(value))
        {
            return CheckNumber(Numeric[slot].Name, value, warnings);
        }

        WarnOutsideRange(Numeric[slot], value, warnings);
        return null;
    }

    /// <summary>The problem with sending no value for a numeric feature, or null when missing is allowed.</summary>
    /// <remarks>
    /// The model reads a missing number as 0 (see <see cref="MlCustomer.Core.Modeling.FeatureSchema.Featurizer"/>).
    /// For a feature that was missing in training that is what the trees learned from; for one that never was,
    /// 0 would be taken as a real value (recency 0 = bought today) and give a plausible-looking score from
    /// nothing. Such a feature must be sent.
    /// </remarks>
    public string? MissingProblem(int slot) =>
        Numeric[slot].MissingShare > 0
            ? null
            : "cannot be missing: it was never missing in training, so the model would read the gap as a real 0";

    /// <summary>
    /// The model term for a categorical value: null or blank is the '(missing)' category; a value not seen
    /// in training becomes '(other)' (the contract's rule), with a warning.
    /// </summary>
    public string Categorize(int slot, string? value, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var spec = Categorical[slot];
        var category = ModelDatasets.Categorize(value, known[slot]);
        if (category == ModelDatasets.OtherCategory && !string.IsNullOrWhiteSpace(value) && value.Trim() != ModelDatasets.OtherCategory)
        {
            warnings.Add($"{spec.Name} '{value.Trim()}' was not seen in training; scored as '{ModelDatasets.OtherCategory}'");
        }

        return FeatureSchema.Term(spec.Name, category);
    }

    /// <summary>Adds a warning for each numeric value of <paramref name="row"/> outside its training range.</summary>
    public void WarnOutsideRanges(ModelRow row, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(row);
        for (var i = 0; i < Numeric.Count; i++)
        {
            if (!float.IsNaN(row.Numeric[i]))
            {
                WarnOutsideRange(Numeric[i], row.Numeric[i], warnings);
            }
        }
    }

    /// <summary>A row in the middle of every training range, for warm-up.</summary>
    public ModelRow TypicalRow(string customerId) => new()
    {
        CustomerId = customerId,
        Numeric = Numeric.Select(f => f.Min is { } min && f.Max is { } max ? (float)((min + max) / 2) : 0f).ToArray(),
        Categorical = Categorical.Select(f => FeatureSchema.Term(f.Name, f.Categories is { Count: > 0 } categories ? categories[0] : ModelDatasets.MissingCategory)).ToArray(),
    };

    private static void WarnOutsideRange(FeatureSpec spec, double value, List<string> warnings)
    {
        if ((spec.Min is { } min && value < min) || (spec.Max is { } max && value > max))
        {
            warnings.Add(
                $"{spec.Name} = {FeatureDomains.Show(value)} is outside the training range [{FeatureDomains.Show(spec.Min ?? double.NaN)}, {FeatureDomains.Show(spec.Max ?? double.NaN)}]; " +
                "the trees score it like the nearest edge of that range");
        }
    }
}
