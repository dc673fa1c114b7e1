using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlCustomer.Core.Modeling;

/// <summary>One reason behind a prediction: a feature and how much it moved the prediction.</summary>
/// <param name="Feature">
/// The feature: a numeric feature or a whole categorical attribute (its one-hot slots are one reason). Bundles without
/// stored tree covers explain by ML.NET's contributions, per slot ("name=value" for a category).
/// </param>
/// <param name="Contribution">
/// Its effect: with TreeSHAP (<see cref="Explanations.BundleExplainer"/>) in the prediction's own unit — probability
/// (0–1) for churn, currency over the value horizon for predicted profit — so that baseline + the effects of every
/// feature = the prediction; with ML.NET's contributions a change in the model's raw score. Positive raises it.
/// </param>
public readonly record struct Reason(string Feature, double Contribution)
{
    /// <summary>The customer's number for a numeric feature as the model read it (NaN = missing); null for a category or when not recorded.</summary>
    public float? Number { get; init; }

    /// <summary>The customer's level of a categorical attribute ("unknown" when missing); null for a number or when not recorded.</summary>
    public string? Level { get; init; }

    /// <summary>
    /// The customer's value as text (a number, a category, or "unknown" when missing); null when not recorded (ML.NET's
    /// contributions). Formatted when read: batch scoring keeps the number and pays for the text only where it is shown.
    /// </summary>
    [JsonIgnore]
    public string? Value => Level ?? (Number is { } number ? Explanations.BundleExplainer.FormatValue(number) : null);
}

/// <summary>Where a prediction's explanation starts and what the features not among its top reasons add.</summary>
/// <param name="Baseline">The prediction for a typical training customer (the expected output the effects start from).</param>
/// <param name="AllOther">The summed effect of every feature not among the shown reasons: baseline + shown effects + this = prediction.</param>
public readonly record struct ExplanationTotals(double Baseline, double AllOther);

/// <summary>
/// Per-customer explanations that survive saving: ML.NET cannot build a contribution calculator for a
/// FastTree model loaded from disk (dotnet/machinelearning#5858), so the calculator is fitted at
/// training time and saved inside the model chain; the loaded chain then outputs contributions itself.
/// </summary>
public static class ModelExplanations
{
    /// <summary>Output column with per-slot contributions.</summary>
    public const string ContributionsColumn = "FeatureContributions";

    /// <summary>
    /// How many contributions to ask the calculator for: every slot of the featurized vector, so the
    /// reasons can be ranked afterwards. Asking for more than there are slots costs ~40× the time,
    /// because the calculator sizes its per-row buffers by the request.
    /// </summary>
    public static int SlotCount(IDataView featurized)
    {
        ArgumentNullException.ThrowIfNull(featurized);
        return ((VectorDataViewType)featurized.Schema[FeatureSchema.FeaturesColumn].Type).Size;
    }

    /// <summary>
    /// The saved chain: featurizer → predictor → contribution calculator (fitted at training time,
    /// because it cannot be created for a predictor loaded from disk).
    /// </summary>
    public static ITransformer Chain(ITransformer featurizer, ITransformer predictor, ITransformer contributions) =>
        new TransformerChain<ITransformer>(featurizer, predictor, contributions);

    /// <summary>The slot names of the featurized vector, in order (what contributions refer to).</summary>
    public static string[] SlotNames(ITransformer model, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(model);
        var output = model.GetOutputSchema(inputSchema);
        VBuffer<ReadOnlyMemory<char>> names = default;
        output[FeatureSchema.FeaturesColumn].GetSlotNames(ref names);
        return names.DenseValues().Select(n => StripColumnPrefix(n.ToString())).ToArray();
    }

    /// <summary>The largest contributions by absolute size, largest first (ties by slot name); zeros are no reason.</summary>
    public static IReadOnlyList<Reason> TopReasons(ReadOnlySpan<float> contributions, IReadOnlyList<string> slotNames, int count)
    {
        ArgumentNullException.ThrowIfNull(slotNames);
        if (count <= 0)
        {
            return [];
        }

        // A partial insertion sort into the best few: batch scoring calls this for every customer, so no
        // list of every slot and no full sort.
        var best = count <= 64 ? stackalloc int[count] : new int[count];
        var found = 0;
        for (var i = 0; i < contributions.Length; i++)
        {
            if (contributions[i] == 0)
            {
                continue;
            }

            var position = found;
            while (position > 0 && Ranks(contributions, slotNames, i, best[position - 1]))
            {
                position--;
            }

            if (position >= count)
            {
                continue;
            }

            var last = Math.Min(found, count - 1);
            for (var k = last; k > position; k--)
            {
                best[k] = best[k - 1];
            }

            best[position] = i;
            found = Math.Min(found + 1, count);
        }

        var reasons = new Reason[found];
        for (var k = 0; k < found; k++)
        {
            reasons[k] = new Reason(slotNames[best[k]], contributions[best[k]]);
        }

        return reasons;
    }

    // True when slot a ranks before slot b: larger absolute contribution, then the smaller name.
    private static bool Ranks(ReadOnlySpan<float> contributions, IReadOnlyList<string> slotNames, int a, int b)
    {
        var bySize = Math.Abs((double)contributions[a]).CompareTo(Math.Abs((double)contributions[b]));
        return bySize != 0 ? bySize > 0 : string.CompareOrdinal(slotNames[a], slotNames[b]) < 0;
    }

    // Concatenate names slots "Numeric.recency_days" and "CategoricalEncoded.region=North"; the
    // column part means nothing to a reader.
    private static string StripColumnPrefix(string slot)
    {
        foreach (var prefix in new[] { nameof(ModelRow.Numeric) + ".", FeatureSchema.EncodedCategoricalColumn + "." })
        {
            if (slot.StartsWith(prefix, StringComparison.Ordinal))
            {
                return slot[prefix.Length..];
            }
        }

        return slot;
    }
}
