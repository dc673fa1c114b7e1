using System.Globalization;
using Microsoft.ML.Calibrators;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// Exact, additive explanations of a bundle's served predictions: for every customer
/// <c>baseline + Σ effects = prediction</c>, in the prediction's own unit, from TreeSHAP on the bundle's trees with the
/// covers its card stores (<see cref="TreeCovers"/>). The effects are per feature: a categorical attribute's one-hot
/// slots are one unit, so "main_channel: web" is one reason. Built once per loaded bundle; thread-safe.
/// </summary>
/// <remarks>
/// Where a served prediction is not a plain sum of trees, the attribution of the composite stays additive by rules
/// that keep each feature's share of the trees' effect:
/// <list type="bullet">
/// <item>Churn probability p = calibrator(s), s the trees' raw score with expectation E. Baseline p₀ = calibrator(E); each
/// feature's raw-score effect φ is mapped proportionally, φ·(p − p₀)/(s − E), so the effects add to p − p₀ and keep
/// their signs (the calibrator is monotone). A flat step of the isotonic calibrator maps many scores to one
/// probability: then p = p₀ may hold with s ≠ E and every effect is 0, which is the truth about that customer's
/// probability. At s = E exactly the calibrator's local slope is used.</item>
/// <item>Two-part value v = g·h, g = P(buy) (the purchase trees' calibrated score, mapped as above) and h the amount
/// trees: baseline v₀ = g₀·h₀ and a feature's effect is φg·(h + h₀)/2 + φh·(g + g₀)/2 (the symmetric product rule:
/// exactly v − v₀ when summed, and each part weighted by the average of the other part at the two ends).</item>
/// <item>The blend with BG/NBD + Gamma-Gamma, w·trees + (1 − w)·S: baseline w·v₀ + (1 − w)·S₀ (S₀ the mean of S over the
/// training customers, stored in the card), tree effects times w, and the statistical term as one reason named
/// <see cref="ValueBlend.ReasonName"/> with effect (1 − w)·(S − S₀).</item>
/// </list>
/// Served numbers are single precision: baseline + effects equals the served prediction to within ~1e-6 of its size;
/// <see cref="ExplanationTotals.AllOther"/> is computed from the served prediction, so the shown numbers add exactly.
/// </remarks>
public sealed class BundleExplainer
{
    private readonly string[] units;
    private readonly bool[] isCategorical;
    private readonly int[] inputIndex;
    private readonly int statisticalUnit;
    private readonly Part churn;
    private readonly IProbabilityCalibrator churnCalibrator;
    private readonly ValuePart? value;
    private readonly ValuePart? revenue;

    private BundleExplainer(
        string[] units, bool[] isCategorical, int[] inputIndex, Part churn, IProbabilityCalibrator churnCalibrator, ValuePart? value, ValuePart? revenue)
    {
        this.units = units;
        this.isCategorical = isCategorical;
        this.inputIndex = inputIndex;
        statisticalUnit = units.Length - 1;
        this.churn = churn;
        this.churnCalibrator = churnCalibrator;
        this.value = value;
        this.revenue = revenue;
        ChurnBaseline = churnCalibrator.Calibrate(churn.Trees.Baseline);
    }

    /// <summary>The attribution units (features; the last is the BG/NBD term), as effects are indexed.</summary>
    public IReadOnlyList<string> Units => units;

    /// <summary>The churn probability of a typical training customer: where churn explanations start.</summary>
    public double ChurnBaseline { get; }

    /// <summary>The predicted value (gross profit over the horizon) of a typical training customer, or null without a value model.</summary>
    public double? ValueBaseline => value?.Baseline;

    /// <summary>True when the bundle's value model is explained too.</summary>
    public bool ExplainsValue => value is not null;

    /// <summary>The predicted revenue over the horizon of a typical training customer, or null when revenue is not explained.</summary>
    public double? RevenueBaseline => revenue?.Baseline;

    /// <summary>True when the bundle's revenue model is explained too (its card stores the revenue trees' covers).</summary>
    public bool ExplainsRevenue => revenue is not null;

    /// <summary>
    /// The explainer of <paramref name="bundle"/>, or null and why not: a bundle trained before covers were stored
    /// (for a LightGBM churn model: before its covers were counted too), or covers that do not fit the trees.
    /// </summary>
    public static BundleExplainer? TryCreate(ModelBundle bundle, out string? notExplained)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var card = bundle.Card;
        if (card.Churn.TreeCovers is not { } churnCovers)
        {
            notExplained = "the bundle stores no tree covers (trained before TreeSHAP, or a LightGBM churn model trained before its covers were counted)";
            return null;
        }

        var schema = card.FeatureContract.Schema;
        var names = schema.NumericNames.Concat(schema.CategoricalNames).Append(ValueBlend.ReasonName).ToArray();
        var categorical = names.Select((_, i) => i >= schema.NumericNames.Count && i < names.Length - 1).ToArray();
        var index = names.Select((_, i) => i < schema.NumericNames.Count ? i : i - schema.NumericNames.Count).ToArray();
        var unitOf = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        try
        {
            var churnModel = BundleTrees.Find(bundle.Churn).Single();
            var churn = new Part(new TreeExplainer(churnCovers.Apply(churnModel.Model, UnitOfSlot(card.Churn.SlotNames, unitOf)), names.Length), null);
            var value = ValuePartOf("value", bundle.LifetimeValue, card.LifetimeValue, names.Length, unitOf);
            var revenue = ValuePartOf("revenue", bundle.Revenue, card.Revenue, names.Length, unitOf);
            notExplained = null;
            return new BundleExplainer(names, categorical, index, churn, card.Churn.Calibrator, value, revenue);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or KeyNotFoundException)
        {
            notExplained = $"the stored tree covers do not fit the models: {e.Message}";
            return null;
        }
    }

    // A value-like model (predicted profit or revenue: one- or two-part trees, perhaps blended) with its stored covers; null
    // without the model or covers.
    private static ValuePart? ValuePartOf(string what, Microsoft.ML.ITransformer? chain, ValueCard? card, int unitCount, Dictionary<string, int> unitOf)
    {
        if (chain is null || card is not { TreeCovers: { } covers })
        {
            return null;
        }

        var unitOfSlot = UnitOfSlot(card.SlotNames, unitOf);
        var models = BundleTrees.Find(chain);
        if (models.Count != covers.Count)
        {
            throw new InvalidOperationException($"the {what} model has {models.Count} tree ensembles and {covers.Count} stored covers");
        }

        var parts = models.Select((m, i) => new Part(new TreeExplainer(covers[i].Apply(m.Model, unitOfSlot), unitCount), m.Calibrator)).ToList();
        return new ValuePart(parts.Count == 2 ? parts[0] : null, parts[^1], card.Blend);
    }

    // Numeric slots are named by their feature, one-hot slots "attribute=level": both map to the feature's unit.
    private static Func<int, int> UnitOfSlot(IReadOnlyList<string> slotNames, Dictionary<string, int> unitOf)
    {
        var map = slotNames.Select(name => unitOf.TryGetValue(name, out var unit) ? unit
            : name.IndexOf('=', StringComparison.Ordinal) is > 0 and var at && unitOf.TryGetValue(name[..at], out unit) ? unit
            : throw new KeyNotFoundException($"slot '{name}' belongs to no feature of the contract")).ToArray();
        return slot => map[slot];
    }

    /// <summary>Scratch buffers for explaining blocks of rows on one thread (reuse them across blocks).</summary>
    public Scratch CreateScratch() => new(units.Length);

    /// <summary>
    /// Explains a served churn probability: <paramref name="features"/> is the vector the churn trees read (the chain's
    /// Features column), <paramref name="row"/> the model row (for the customer's values).
    /// </summary>
    public Explanation Churn(ReadOnlySpan<float> features, ModelRow row, double probability, int count, Scratch scratch)
    {
        ArgumentNullException.ThrowIfNull(row);
        var result = new Explanation[1];
        ChurnBlock(features, features.Length, [row], [probability], count, scratch, result);
        return result[0];
    }

    /// <summary>
    /// Explains the served churn probabilities of up to <see cref="TreeExplainer.BlockRows"/> rows at once: row k's
    /// feature vector (what the churn trees read) is <c>features[k·slotCount .. (k+1)·slotCount)</c>.
    /// </summary>
    public void ChurnBlock(
        ReadOnlySpan<float> features, int slotCount, ReadOnlySpan<ModelRow> rows, ReadOnlySpan<double> probabilities, int count, Scratch scratch, Span<Explanation> results)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        var effects = scratch.Effects;
        Array.Clear(effects);
        churn.Trees.ExplainBlock(features, slotCount, rows.Length, effects, scratch.Outputs);
        for (var k = 0; k < rows.Length; k++)
        {
            var factor = ProbabilityFactor(churnCalibrator.Calibrate, churn.Trees.Baseline, scratch.Outputs[k], probabilities[k], ChurnBaseline);
            for (var u = 0; u < units.Length; u++)
            {
                scratch.Row[u] = effects[(u * TreeExplainer.BlockRows) + k] * factor;
            }

            results[k] = Top(scratch.Row, rows[k], probabilities[k], ChurnBaseline, count, statistical: double.NaN);
        }
    }

    /// <summary>
    /// Explains a served predicted value (before cost-to-serve): <paramref name="features"/> is the vector the value
    /// trees read; <paramref name="statistical"/> the row's BG/NBD + Gamma-Gamma expectation when the card blends (else NaN).
    /// </summary>
    public Explanation Value(ReadOnlySpan<float> features, ModelRow row, double servedValue, double statistical, int count, Scratch scratch)
    {
        ArgumentNullException.ThrowIfNull(row);
        var result = new Explanation[1];
        ValueBlock(features, features.Length, [row], [servedValue], [statistical], count, scratch, result);
        return result[0];
    }

    /// <summary>
    /// Explains the served predicted values of up to <see cref="TreeExplainer.BlockRows"/> rows at once (see
    /// <see cref="Value"/>; row k's vector at <c>features[k·slotCount ..]</c>).
    /// </summary>
    public void ValueBlock(
        ReadOnlySpan<float> features,
        int slotCount,
        ReadOnlySpan<ModelRow> rows,
        ReadOnlySpan<double> servedValues,
        ReadOnlySpan<double> statistical,
        int count,
        Scratch scratch,
        Span<Explanation> results)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        Block(value ?? throw new InvalidOperationException("The bundle's value model is not explained."), features, slotCount, rows, servedValues, statistical, count, scratch, results);
    }

    /// <summary>
    /// Explains a served predicted revenue over the horizon: <paramref name="features"/> is the vector the revenue trees
    /// read; <paramref name="statistical"/> the row's BG/NBD + Gamma-Gamma revenue expectation when the card blends (else NaN).
    /// </summary>
    public Explanation Revenue(ReadOnlySpan<float> features, ModelRow row, double servedRevenue, double statistical, int count, Scratch scratch)
    {
        ArgumentNullException.ThrowIfNull(row);
        var result = new Explanation[1];
        RevenueBlock(features, features.Length, [row], [servedRevenue], [statistical], count, scratch, result);
        return result[0];
    }

    /// <summary>The same as <see cref="ValueBlock"/> for the served predicted revenues.</summary>
    public void RevenueBlock(
        ReadOnlySpan<float> features,
        int slotCount,
        ReadOnlySpan<ModelRow> rows,
        ReadOnlySpan<double> servedRevenues,
        ReadOnlySpan<double> statistical,
        int count,
        Scratch scratch,
        Span<Explanation> results)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        Block(revenue ?? throw new InvalidOperationException("The bundle's revenue model is not explained."), features, slotCount, rows, servedRevenues, statistical, count, scratch, results);
    }

    private void Block(
        ValuePart part,
        ReadOnlySpan<float> features,
        int slotCount,
        ReadOnlySpan<ModelRow> rows,
        ReadOnlySpan<double> servedValues,
        ReadOnlySpan<double> statistical,
        int count,
        Scratch scratch,
        Span<Explanation> results)
    {
        part.ExplainBlock(features, slotCount, rows.Length, servedValues, statistical, scratch, statisticalUnit);
        for (var k = 0; k < rows.Length; k++)
        {
            for (var u = 0; u < units.Length; u++)
            {
                scratch.Row[u] = scratch.Effects[(u * TreeExplainer.BlockRows) + k];
            }

            results[k] = Top(scratch.Row, rows[k], servedValues[k], part.Baseline, count, statistical[k]);
        }
    }

    // The effects' top reasons by size (ties by feature name), with the customer's values, and the totals.
    private Explanation Top(
        double[] effects, ModelRow row, double prediction, double baseline, int count, double statistical)
    {
        var best = count <= 64 ? stackalloc int[Math.Max(count, 0)] : new int[count];
        var bestSize = count <= 64 ? stackalloc double[Math.Max(count, 0)] : new double[count];
        var found = 0;
        for (var u = 0; u < effects.Length; u++)
        {
            var size = Math.Abs(effects[u]);
            // Most units lose to the smallest kept one: one comparison (ties go on to the names below).
            if (size == 0 || (found == count && (count == 0 || size < bestSize[found - 1])))
            {
                continue;
            }

            var position = found;
            while (position > 0 && Ranks(size, u, bestSize[position - 1], best[position - 1]))
            {
                position--;
            }

            if (position >= count)
            {
                continue;
            }

            for (var k = Math.Min(found, count - 1); k > position; k--)
            {
                (best[k], bestSize[k]) = (best[k - 1], bestSize[k - 1]);
            }

            (best[position], bestSize[position]) = (u, size);
            found = Math.Min(found + 1, count);
        }

        var reasons = new Reason[found];
        var shown = 0.0;
        for (var k = 0; k < found; k++)
        {
            var u = best[k];
            reasons[k] = WithValue(new Reason(units[u], effects[u]), u, row, statistical);
            shown += effects[u];
        }

        return new Explanation(reasons, new ExplanationTotals(baseline, prediction - baseline - shown));
    }

    // Unit a (effect size sizeA) ranks before unit b: larger, or as large and first by name.
    private bool Ranks(double sizeA, int a, double sizeB, int b) =>
        sizeA != sizeB ? sizeA > sizeB : string.CompareOrdinal(units[a], units[b]) < 0;

    // The customer's value of a unit as the model read it; a missing number (NaN, which the featurizer reads as 0)
    // or a missing category is "unknown", never the 0 the trees saw.
    private Reason WithValue(Reason reason, int unit, ModelRow row, double statistical)
    {
        if (unit == statisticalUnit)
        {
            return reason with { Number = (float)statistical };
        }

        if (isCategorical[unit])
        {
            var term = inputIndex[unit] < row.Categorical.Length ? row.Categorical[inputIndex[unit]] : "";
            var level = term.IndexOf('=', StringComparison.Ordinal) is >= 0 and var at ? term[(at + 1)..] : term;
            return reason with { Level = level is "" or ModelDatasets.MissingCategory ? Unknown : level };
        }

        return reason with { Number = inputIndex[unit] < row.Numeric.Length ? row.Numeric[inputIndex[unit]] : float.NaN };
    }

    /// <summary>A numeric value of a reason as text (invariant, up to 4 decimals); NaN is <see cref="Unknown"/>.</summary>
    public static string FormatValue(float number)
    {
        Span<char> text = stackalloc char[48];
        return TryFormatValue(number, text, out var written) ? new string(text[..written]) : SlowValue(number);
    }

    /// <summary><see cref="FormatValue"/> appended to <paramref name="text"/> without a string for it.</summary>
    public static System.Text.StringBuilder AppendValue(System.Text.StringBuilder text, float number)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<char> digits = stackalloc char[48];
        return TryFormatValue(number, digits, out var written) ? text.Append(digits[..written]) : text.Append(SlowValue(number));
    }

    // DecimalText writes what "0.####" writes, without .NET's general formatter (9 values a row in /scores/csv).
    private static bool TryFormatValue(float number, Span<char> text, out int written)
    {
        written = 0;
        return !float.IsNaN(number) && Data.DecimalText.TryFormatSingle(number, 4, text, out written);
    }

    private static string SlowValue(float number) => float.IsNaN(number) ? Unknown : number.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>What a reason's value says when the customer's value was missing.</summary>
    public const string Unknown = "unknown";

    // The factor that maps raw-score effects to probability points: (p − p₀)/(s − E); at s = E the local slope.
    private static double ProbabilityFactor(Func<double, double> calibrate, double expected, double score, double probability, double baseline)
    {
        var gap = score - expected;
        if (Math.Abs(gap) > 1e-9 * Math.Max(1, Math.Abs(score)))
        {
            return (probability - baseline) / gap;
        }

        const double step = 1e-4;
        return (calibrate(score + step) - calibrate(score - step)) / (2 * step);
    }

    // One tree ensemble and, for a calibrated classifier, ML.NET's calibrator that makes its probability.
    private sealed record Part(TreeExplainer Trees, ICalibrator? Calibrator)
    {
        public double Probability(double score) => Calibrator!.PredictProbability((float)score);
    }

    // The value model: optional purchase part (g = P(value ≠ 0)), the amount or one-part regression (h), the blend.
    private sealed class ValuePart
    {
        private readonly Part? purchase;
        private readonly Part amount;
        private readonly ValueBlend? blend;
        private readonly double purchaseBaseline;
        private readonly double treesBaseline;

        public ValuePart(Part? purchase, Part amount, ValueBlend? blend)
        {
            this.purchase = purchase;
            this.amount = amount;
            this.blend = blend;
            purchaseBaseline = purchase is null ? 1 : purchase.Probability(purchase.Trees.Baseline);
            treesBaseline = purchaseBaseline * amount.Trees.Baseline;
            Baseline = blend is null ? treesBaseline : (blend.TreeWeight * treesBaseline) + ((1 - blend.TreeWeight) * (blend.StatisticalBaseline ?? 0));
        }

        public double Baseline { get; }

        // Fills scratch.Effects (unit-major) with the block's effects on the served value.
        public void ExplainBlock(
            ReadOnlySpan<float> features, int slotCount, int rows, ReadOnlySpan<double> served, ReadOnlySpan<double> statistical, Scratch scratch, int statisticalUnit)
        {
            const int block = TreeExplainer.BlockRows;
            var effects = scratch.Effects;
            var unitCount = effects.Length / block;
            Array.Clear(effects);
            amount.Trees.ExplainBlock(features, slotCount, rows, effects, scratch.Outputs);
            var h0 = amount.Trees.Baseline;
            if (purchase is not null)
            {
                var g0 = purchaseBaseline;
                var buffer = scratch.PurchaseEffects;
                Array.Clear(buffer);
                purchase.Trees.ExplainBlock(features, slotCount, rows, buffer, scratch.PurchaseOutputs);
                for (var k = 0; k < rows; k++)
                {
                    var (h, s) = (scratch.Outputs[k], scratch.PurchaseOutputs[k]);
                    var g = purchase.Probability(s);
                    var purchaseWeight = ProbabilityFactor(purchase.Probability, purchase.Trees.Baseline, s, g, g0) * (h + h0) / 2;
                    var amountWeight = (g + g0) / 2;
                    for (var u = 0; u < unitCount; u++)
                    {
                        var at = (u * block) + k;
                        effects[at] = (buffer[at] * purchaseWeight) + (effects[at] * amountWeight);
                    }
                }
            }

            if (blend is null)
            {
                return;
            }

            for (var k = 0; k < rows; k++)
            {
                // Without a statistical value the trees alone make the served value (ValueBlender.Value).
                var weight = double.IsNaN(statistical[k]) ? 1 : blend.TreeWeight;
                var treeEffects = 0.0;
                for (var u = 0; u < unitCount; u++)
                {
                    var at = (u * block) + k;
                    effects[at] *= weight;
                    treeEffects += effects[at];
                }

                // The statistical term is what the served value holds beyond the baseline and the trees' effects: exactly
                // (1 − w)·(S − S₀) up to rounding, which it absorbs so that the effects add up to the served value.
                effects[(statisticalUnit * block) + k] = served[k] - Baseline - treeEffects;
            }
        }
    }

    /// <summary>One thread's buffers for <see cref="ChurnBlock"/> and <see cref="ValueBlock"/>.</summary>
    public sealed class Scratch
    {
        internal Scratch(int unitCount)
        {
            Effects = new double[unitCount * TreeExplainer.BlockRows];
            PurchaseEffects = new double[unitCount * TreeExplainer.BlockRows];
            Row = new double[unitCount];
        }

        internal double[] Effects { get; }

        internal double[] PurchaseEffects { get; }

        internal double[] Outputs { get; } = new double[TreeExplainer.BlockRows];

        internal double[] PurchaseOutputs { get; } = new double[TreeExplainer.BlockRows];

        internal double[] Row { get; }
    }
}

/// <summary>One served prediction's top reasons and the totals that make them add up to it.</summary>
public readonly record struct Explanation(IReadOnlyList<Reason> Reasons, ExplanationTotals Totals);

