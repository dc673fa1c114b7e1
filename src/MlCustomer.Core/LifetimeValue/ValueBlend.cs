using System.Globalization;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// The last stage of a transactional lifetime value model: a weighted mean of the trees' prediction and
/// the BG/NBD + Gamma-Gamma expectation computed from the same customer's features,
/// <c>value = TreeWeight × trees + (1 − TreeWeight) × BG/NBD·Gamma-Gamma</c>.
/// </summary>
/// <remarks>
/// Why: BG/NBD describes the purchase process itself (how the chance of being alive falls with time since
/// the last purchase, relative to the customer's own rhythm); trees see what it cannot (margins, returns,
/// categories, service). Their errors differ, so the mean ranks customers better than either when the data
/// follow a BG/NBD-like process, and stays with the trees (weight 1) when it does not: the weight is chosen
/// on out-of-fold predictions of the training customers (<see cref="LifetimeValueTrainer.Train"/>).
/// Both statistical models are fitted on the training customers only; their parameters are stored here
/// (in the model card), so serving needs nothing but the features of <see cref="InputFeatures"/>:
/// x = purchase days − 1, T = days since the first purchase, tₓ = T − recency days, and the mean value
/// per purchase day = <see cref="ValueTotalFeature"/> ÷ purchase days.
/// </remarks>
public sealed record ValueBlend
{
    /// <summary>The name under which the statistical part appears among a prediction's reasons.</summary>
    public const string ReasonName = "bgnbd_gamma_gamma_expectation";

    /// <summary>The purchase-history features the statistical part reads (besides <see cref="ValueTotalFeature"/>).</summary>
    public static readonly IReadOnlyList<string> InputFeatures = ["purchase_days", "days_since_first_purchase", "recency_days"];

    /// <summary>The feature with the customer's total gross profit to date, for a profit model.</summary>
    public const string ProfitTotalFeature = "gross_profit_total";

    /// <summary>The feature with the customer's total revenue to date, for a revenue model.</summary>
    public const string RevenueTotalFeature = "revenue_total";

    /// <summary>Weight of the trees' prediction, 0..1 (1 − this is the weight of BG/NBD + Gamma-Gamma); training tries 0.5..1.</summary>
    public required double TreeWeight { get; init; }

    /// <summary>The prediction horizon in days.</summary>
    public required int HorizonDays { get; init; }

    /// <summary>Feature holding the value to date that is divided by purchase days to give the value per purchase.</summary>
    public required string ValueTotalFeature { get; init; }

    /// <summary>BG/NBD r.</summary>
    public required double R { get; init; }

    /// <summary>BG/NBD α, in days.</summary>
    public required double Alpha { get; init; }

    /// <summary>BG/NBD a.</summary>
    public required double A { get; init; }

    /// <summary>BG/NBD b.</summary>
    public required double B { get; init; }

    /// <summary>Gamma-Gamma p.</summary>
    public required double P { get; init; }

    /// <summary>Gamma-Gamma q.</summary>
    public required double Q { get; init; }

    /// <summary>Gamma-Gamma v, in currency units.</summary>
    public required double V { get; init; }

    /// <summary>
    /// The mean BG/NBD + Gamma-Gamma expectation over the training customers, in currency units over the horizon: where
    /// explanations start the statistical part from, so that its reason is how far this customer's expectation lies
    /// from the typical one. Null in bundles trained before it was stored (their explanations start it from 0).
    /// </summary>
    public double? StatisticalBaseline { get; init; }

    /// <summary>True when <paramref name="numericNames"/> has every feature the statistical part reads.</summary>
    public static bool CanUse(IReadOnlyList<string> numericNames, string valueTotalFeature)
    {
        ArgumentNullException.ThrowIfNull(numericNames);
        return InputFeatures.Append(valueTotalFeature).All(numericNames.Contains);
    }

    /// <summary>A blend with the given weight over fitted models.</summary>
    public static ValueBlend Of(double treeWeight, int horizonDays, string valueTotalFeature, ClvBaseline models)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfLessThan(treeWeight, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeWeight, 1);
        return new ValueBlend
        {
            TreeWeight = treeWeight,
            HorizonDays = horizonDays,
            ValueTotalFeature = valueTotalFeature,
            R = models.Purchases.R,
            Alpha = models.Purchases.Alpha,
            A = models.Purchases.A,
            B = models.Purchases.B,
            P = models.Value.P,
            Q = models.Value.Q,
            V = models.Value.V,
        };
    }

    /// <summary>
    /// The BG/NBD and Gamma-Gamma histories of the rows with at least one purchase day, read from their features
    /// the way <see cref="ValueBlender.Statistical"/> reads them.
    /// </summary>
    public static List<ValueHistory> Histories(FeatureSchema schema, IEnumerable<ModelRow> rows, string valueTotalFeature)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        var slots = new ValueBlender.Slots(schema, valueTotalFeature);
        return rows.Select(r => slots.History(r.Numeric)).OfType<ValueHistory>().ToList();
    }

    /// <summary>The statistical models with the stored parameters.</summary>
    public ClvBaseline Models() => new(new BgNbdModel(R, Alpha, A, B), new GammaGammaModel(P, Q, V));

    /// <summary>Ready to apply to rows of <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentException">The schema lacks one of the features the statistical part reads.</exception>
    public ValueBlender For(FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new ValueBlender(this, schema);
    }

    /// <summary>The blend in words, for the model card.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{TreeWeight:0.0} × trees + {1 - TreeWeight:0.0} × BG/NBD + Gamma-Gamma ({Models()}), on {ValueTotalFeature} per purchase day over {HorizonDays} days");
}

/// <summary>Applies a <see cref="ValueBlend"/> to model rows of one schema; thread-safe.</summary>
public sealed class ValueBlender
{
    private readonly ClvBaseline models;
    private readonly Slots slots;

    internal ValueBlender(ValueBlend blend, FeatureSchema schema)
    {
        Blend = blend;
        models = blend.Models();
        slots = new Slots(schema, blend.ValueTotalFeature);
    }

    /// <summary>The blend applied.</summary>
    public ValueBlend Blend { get; }

    /// <summary>
    /// The BG/NBD + Gamma-Gamma expected value in the horizon from a row's numeric features; 0 for a customer
    /// without a purchase day yet (BG/NBD starts at the first purchase); NaN when the expectation cannot be
    /// evaluated for this customer (its series does not converge: training refuses such a blend, so this is a
    /// served customer far outside the training data), and then <see cref="Value(double, double)"/> is the trees'.
    /// </summary>
    public double Statistical(ReadOnlySpan<float> numeric)
    {
        if (slots.History(numeric) is not { } history)
        {
            return 0;
        }

        try
        {
            return models.ExpectedValue(history.Purchases, history.ProfitPerPurchase.AverageValue, Blend.HorizonDays);
        }
        catch (InvalidOperationException)
        {
            return double.NaN;
        }
    }

    /// <summary>The blended value of a row whose trees predicted <paramref name="trees"/>.</summary>
    public double Value(double trees, ReadOnlySpan<float> numeric) => Value(trees, Statistical(numeric));

    /// <summary>
    /// The blended value from the trees' prediction and the row's <see cref="Statistical"/> value; the trees' alone
    /// when that is NaN.
    /// </summary>
    public double Value(double trees, double statistical) =>
        double.IsNaN(statistical) ? trees : (Blend.TreeWeight * trees) + ((1 - Blend.TreeWeight) * statistical);

    /// <summary>
    /// The trees' contributions scaled by their weight, followed by one slot for the statistical part's
    /// weighted value (named <see cref="ValueBlend.ReasonName"/>), so that reasons rank both on one scale.
    /// </summary>
    public float[] Contributions(ReadOnlySpan<float> trees, ReadOnlySpan<float> numeric)
    {
        var result = new float[trees.Length + 1];
        Contributions(trees, Statistical(numeric), result);
        return result;
    }

    /// <summary>
    /// <see cref="Contributions(ReadOnlySpan{float}, ReadOnlySpan{float})"/> into <paramref name="result"/> (one longer
    /// than <paramref name="trees"/>) from the row's <see cref="Statistical"/> value: batch scoring computes that once
    /// per customer for the value and its reasons, and allocates nothing per customer here.
    /// </summary>
    public void Contributions(ReadOnlySpan<float> trees, double statistical, Span<float> result)
    {
        if (result.Length != trees.Length + 1)
        {
            throw new ArgumentException($"The blended contributions have {trees.Length + 1} slots; {result.Length} given.", nameof(result));
        }

        // Without a statistical value the trees alone make the value (see Value), and their contributions stand unscaled.
        var treeWeight = double.IsNaN(statistical) ? 1 : Blend.TreeWeight;
        for (var i = 0; i < trees.Length; i++)
        {
            result[i] = (float)(treeWeight * trees[i]);
        }

        result[^1] = double.IsNaN(statistical) ? 0f : (float)((1 - Blend.TreeWeight) * statistical);
    }

    /// <summary>Where the statistical part's inputs are in a schema's numeric vector.</summary>
    internal sealed class Slots(FeatureSchema schema, string valueTotalFeature)
    {
        private readonly int purchaseDays = Slot(schema, "purchase_days");
        private readonly int daysSinceFirstPurchase = Slot(schema, "days_since_first_purchase");
        private readonly int recencyDays = Slot(schema, "recency_days");
        private readonly int valueTotal = Slot(schema, valueTotalFeature);

        /// <summary>
        /// x = purchase days − 1, T = days since the first purchase, tₓ = T − recency, value per purchase day;
        /// null for a customer without a purchase day (missing counts as none).
        /// </summary>
        public ValueHistory? History(ReadOnlySpan<float> numeric)
        {
            // BG/NBD counts whole purchase days; a fractional count (a typical row of medians, or a client's
            // averaged feature) is read as the nearest whole number.
            var days = MathF.Round(numeric[purchaseDays]);
            if (!(days >= 1))
            {
                return null;
            }

            // Served rows are validated, but permutation importance shuffles one column at a time and so makes
            // rows whose features disagree (a buyer without a first purchase date): read them in the model's range.
            var age = float.IsFinite(numeric[daysSinceFirstPurchase]) ? Math.Max(numeric[daysSinceFirstPurchase], 0) : 0;
            var sinceLast = float.IsFinite(numeric[recencyDays]) ? Math.Clamp(numeric[recencyDays], 0, age) : age;
            var total = float.IsFinite(numeric[valueTotal]) ? numeric[valueTotal] : 0;
            return new ValueHistory(new RepeatPurchaseHistory(days - 1, age - sinceLast, age), new TransactionValueHistory(days - 1, total / days));
        }

        private static int Slot(FeatureSchema schema, string name)
        {
            var index = schema.NumericNames.ToList().IndexOf(name);
            return index >= 0
                ? index
                : throw new ArgumentException($"The value blend reads the feature '{name}', which the model's feature schema does not have.", nameof(schema));
        }
    }
}
