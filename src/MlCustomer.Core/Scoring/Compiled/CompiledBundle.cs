using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Scoring.Compiled;

/// <summary>
/// A bundle's three chains compiled for batch scoring (see <see cref="CompiledChain{TRow}"/>), with a plan
/// per use: churn score with and without contributions, predicted value with and without contributions,
/// segment. Built only when every plan compiles and agrees with ML.NET on probe rows made from the
/// bundle's feature contract; otherwise <see cref="TryCreate"/> says why and the caller keeps ML.NET.
/// </summary>
public sealed class CompiledBundle
{
    /// <summary>Largest difference from ML.NET accepted on the probe rows, relative to the value (or to 1 when smaller).</summary>
    public const double Tolerance = 1e-5;

    /// <summary>How the row-model chains read a <see cref="ModelRow"/>.</summary>
    public static readonly ChainInputs<ModelRow> RowInputs = new(
        new Dictionary<string, Func<ModelRow, float[]>>(StringComparer.Ordinal) { [nameof(ModelRow.Numeric)] = r => FeatureSchema.NumericSlots(r.Numeric) },
        new Dictionary<string, Func<ModelRow, string[]>>(StringComparer.Ordinal) { [nameof(ModelRow.Categorical)] = r => FeatureSchema.CategoricalSlots(r.Categorical) });

    /// <summary>How the segmentation reads a <see cref="SegmentInput"/>.</summary>
    public static readonly ChainInputs<SegmentInput> SegmentInputs = new(
        new Dictionary<string, Func<SegmentInput, float[]>>(StringComparer.Ordinal) { [nameof(SegmentInput.Rfm)] = s => s.Rfm },
        new Dictionary<string, Func<SegmentInput, string[]>>(StringComparer.Ordinal));

    private const string ScoreColumn = "Score";
    private const string ClusterColumn = "PredictedLabel";

    private CompiledBundle(
        ChainPlan<ModelRow> churn, ChainPlan<ModelRow> churnExplained, ChainPlan<ModelRow>? value, ChainPlan<ModelRow>? valueExplained,
        ChainPlan<SegmentInput>? segments, ChainPlan<ModelRow>? revenue)
    {
        Revenue = revenue;
        Churn = churn;
        ChurnExplained = churnExplained;
        Value = value;
        ValueExplained = valueExplained;
        Segments = segments;
    }

    /// <summary>Raw churn score (output 0).</summary>
    public ChainPlan<ModelRow> Churn { get; }

    /// <summary>Raw churn score (output 0) and per-slot contributions (output 1).</summary>
    public ChainPlan<ModelRow> ChurnExplained { get; }

    /// <summary>Predicted value (output 0), or null without a value model.</summary>
    public ChainPlan<ModelRow>? Value { get; }

    /// <summary>Predicted value (output 0) and per-slot contributions (output 1), or null without a value model.</summary>
    public ChainPlan<ModelRow>? ValueExplained { get; }

    /// <summary>Predicted revenue of the revenue chain (output 0), or null without a revenue model.</summary>
    public ChainPlan<ModelRow>? Revenue { get; }

    /// <summary>KMeans cluster, 1-based (output 0), or null without a segmentation.</summary>
    public ChainPlan<SegmentInput>? Segments { get; }

    /// <summary>Raw churn score (output 0) and the feature vector the trees read (output 1), for TreeSHAP.</summary>
    public ChainPlan<ModelRow>? ChurnWithFeatures { get; private init; }

    /// <summary>Predicted value (output 0) and the feature vector the trees read (output 1), or null without a value model.</summary>
    public ChainPlan<ModelRow>? ValueWithFeatures { get; private init; }

    /// <summary>Predicted revenue (output 0) and the feature vector the trees read (output 1), or null without a revenue model.</summary>
    public ChainPlan<ModelRow>? RevenueWithFeatures { get; private init; }

    /// <summary>True when the value chain is the two-part trees: then every value plan's last output is P(value ≠ 0).</summary>
    public bool ValueIsTwoPart { get; private init; }

    /// <summary>True when the revenue chain is the two-part trees: then every revenue plan's last output is P(revenue ≠ 0).</summary>
    public bool RevenueIsTwoPart { get; private init; }

    /// <summary>The two parts of a value or revenue plan's row in <paramref name="workspace"/> (two-part chains only).</summary>
    public static LifetimeValue.TwoPartPrediction Parts(ChainPlan<ModelRow> plan, ChainWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return LifetimeValue.TwoPartPrediction.FromTrees(plan.Output(workspace, 0)[0], plan.Output(workspace, plan.OutputCount - 1)[0]);
    }

    /// <summary>Compiles <paramref name="bundle"/> and checks it against ML.NET, or returns null and why not.</summary>
    public static CompiledBundle? TryCreate(MLContext ml, ModelBundle bundle, out string? unsupportedReason)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(bundle);
        var schema = bundle.Card.FeatureContract.Schema;
        var rowSchema = schema.Load(ml, []).Schema;
        var churnChain = CompiledChain<ModelRow>.Compile(bundle.Churn, rowSchema, RowInputs);
        var churn = churnChain.Plan([ScoreColumn], out unsupportedReason);
        var churnExplained = churnChain.Plan([ScoreColumn, ModelExplanations.ContributionsColumn], out var explainedReason);
        unsupportedReason ??= explainedReason;
        if (churn is null || churnExplained is null)
        {
            unsupportedReason = $"churn model: {unsupportedReason}";
            return null;
        }

        ChainPlan<ModelRow>? value = null, valueExplained = null, valueWithFeatures = null;
        // A two-part chain's P(≠ 0), computed on the way to its value anyway, is every value plan's last output: the
        // value intervals read it.
        string[] PurchaseOf(ITransformer chain) =>
            chain.GetOutputSchema(rowSchema).GetColumnOrNull(LifetimeValue.LifetimeValueTrainer.ProbabilityColumn) is null ? [] : [LifetimeValue.LifetimeValueTrainer.ProbabilityColumn];
        if (bundle.LifetimeValue is not null)
        {
            var valueChain = CompiledChain<ModelRow>.Compile(bundle.LifetimeValue, rowSchema, RowInputs);
            var purchase = PurchaseOf(bundle.LifetimeValue);
            valueWithFeatures = valueChain.Plan([ValueScore.PredictedValueColumn, FeatureSchema.FeaturesColumn, .. purchase], out _);
            value = valueChain.Plan([ValueScore.PredictedValueColumn, .. purchase], out unsupportedReason);
            valueExplained = valueChain.Plan([ValueScore.PredictedValueColumn, ModelExplanations.ContributionsColumn, .. purchase], out explainedReason);
            unsupportedReason ??= explainedReason;
            if (value is null || valueExplained is null)
            {
                unsupportedReason = $"lifetime value model: {unsupportedReason}";
                return null;
            }
        }

        ChainPlan<ModelRow>? revenue = null, revenueWithFeatures = null;
        if (bundle.Revenue is not null)
        {
            var revenueChain = CompiledChain<ModelRow>.Compile(bundle.Revenue, rowSchema, RowInputs);
            var purchase = PurchaseOf(bundle.Revenue);
            revenueWithFeatures = revenueChain.Plan([ValueScore.PredictedValueColumn, FeatureSchema.FeaturesColumn, .. purchase], out _);
            revenue = revenueChain.Plan([ValueScore.PredictedValueColumn, .. purchase], out unsupportedReason);
            if (revenue is null)
            {
                unsupportedReason = $"lifetime revenue model: {unsupportedReason}";
                return null;
            }
        }

        ChainPlan<SegmentInput>? segments = null;
        if (bundle.Segments is not null)
        {
            var segmentSchema = ml.Data.LoadFromEnumerable(Array.Empty<SegmentInput>()).Schema;
            segments = CompiledChain<SegmentInput>.Compile(bundle.Segments, segmentSchema, SegmentInputs).Plan([ClusterColumn], out unsupportedReason);
            if (segments is null)
            {
                unsupportedReason = $"segmentation: {unsupportedReason}";
                return null;
            }
        }

        var compiled = new CompiledBundle(churn, churnExplained, value, valueExplained, segments, revenue)
        {
            ValueIsTwoPart = bundle.LifetimeValue is not null && PurchaseOf(bundle.LifetimeValue).Length > 0,
            RevenueIsTwoPart = bundle.Revenue is not null && PurchaseOf(bundle.Revenue).Length > 0,
            // The featurizer's output is computed on the way to every score, so these compile whenever the scores do.
            ChurnWithFeatures = churnChain.Plan([ScoreColumn, FeatureSchema.FeaturesColumn], out _),
            ValueWithFeatures = valueWithFeatures,
            RevenueWithFeatures = revenueWithFeatures,
        };
        unsupportedReason = compiled.Disagreement(ml, bundle);
        return unsupportedReason is null ? compiled : null;
    }

    /// <summary>True when <paramref name="actual"/> is within <see cref="Tolerance"/> of <paramref name="expected"/>.</summary>
    public static bool Agrees(double actual, double expected) =>
        (double.IsNaN(actual) && double.IsNaN(expected)) || Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected));

    // The first probe on which a compiled output differs from ML.NET's, in words; null when all agree.
    private string? Disagreement(MLContext ml, ModelBundle bundle)
    {
        var contract = bundle.Card.FeatureContract;
        var rows = ProbeRows(contract);
        var data = contract.Schema.Load(ml, rows);
        var churnExpected = ml.Data.CreateEnumerable<ChurnScore>(bundle.Churn.Transform(data), reuseRowObject: false).ToList();
        var workspace = ChurnExplained.CreateWorkspace();
        for (var i = 0; i < rows.Count; i++)
        {
            ChurnExplained.Run(rows[i], workspace);
            if (Differs(ChurnExplained, workspace, churnExpected[i].Score, churnExpected[i].FeatureContributions) is { } what)
            {
                return $"the compiled churn {what} differs from ML.NET on probe row {i}";
            }
        }

        if (ValueExplained is not null && bundle.LifetimeValue is not null)
        {
            var valueExpected = ml.Data.CreateEnumerable<ValueScore>(bundle.LifetimeValue.Transform(data), reuseRowObject: false).ToList();
            workspace = ValueExplained.CreateWorkspace();
            for (var i = 0; i < rows.Count; i++)
            {
                ValueExplained.Run(rows[i], workspace);
                if (Differs(ValueExplained, workspace, valueExpected[i].PredictedValue, valueExpected[i].FeatureContributions) is { } what)
                {
                    return $"the compiled predicted value {what} differs from ML.NET on probe row {i}";
                }
            }
        }

        if (Revenue is not null && bundle.Revenue is not null)
        {
            var revenueExpected = ml.Data.CreateEnumerable<ValueScore>(bundle.Revenue.Transform(data), reuseRowObject: false).ToList();
            workspace = Revenue.CreateWorkspace();
            for (var i = 0; i < rows.Count; i++)
            {
                Revenue.Run(rows[i], workspace);
                if (!Agrees(Revenue.Output(workspace, 0)[0], revenueExpected[i].PredictedValue))
                {
                    return $"the compiled predicted revenue ({Revenue.Output(workspace, 0)[0]} against {revenueExpected[i].PredictedValue}) differs from ML.NET on probe row {i}";
                }
            }
        }

        if (Segments is not null && bundle.Segments is not null)
        {
            var probes = (bundle.Card.Segments?.Profiles.Select(p => p.Centroid.Select(v => (float)v).ToArray()) ?? [])
                .Append([0f, 0f, 0f, 0f])
                .Append([SegmentFeatures.SignedLog(30), SegmentFeatures.SignedLog(3), SegmentFeatures.SignedLog(200), SegmentFeatures.SignedLog(-50)])
                .Where(v => v.Length == SegmentFeatures.Names.Count)
                .Select(v => new SegmentInput { Rfm = v })
                .ToList();
            var expected = ml.Data.CreateEnumerable<SegmentAssignment>(bundle.Segments.Transform(ml.Data.LoadFromEnumerable(probes)), reuseRowObject: false)
                .Select(a => a.ClusterId).ToList();
            var segmentWorkspace = Segments.CreateWorkspace();
            for (var i = 0; i < probes.Count; i++)
            {
                Segments.Run(probes[i], segmentWorkspace);
                if ((uint)Segments.Output(segmentWorkspace, 0)[0] != expected[i])
                {
                    return $"the compiled segment differs from ML.NET on probe {i}";
                }
            }
        }

        return null;
    }

    private static string? Differs(ChainPlan<ModelRow> plan, ChainWorkspace workspace, float expectedScore, float[] expectedContributions)
    {
        if (!Agrees(plan.Output(workspace, 0)[0], expectedScore))
        {
            return $"score ({plan.Output(workspace, 0)[0]} against {expectedScore})";
        }

        var contributions = plan.Output(workspace, 1);
        var scale = expectedContributions.Length == 0 ? 1 : expectedContributions.Max(Math.Abs);
        for (var j = 0; j < expectedContributions.Length; j++)
        {
            if (Math.Abs(contributions[j] - expectedContributions[j]) > Tolerance * Math.Max(1, scale))
            {
                return $"contribution of slot {j} ({contributions[j]} against {expectedContributions[j]})";
            }
        }

        return contributions.Length == expectedContributions.Length ? null : "contribution count";
    }

    // Rows that walk the trees into many branches: the middle, both ends of every training range, all
    // missing, and every category of every column in turn.
    private static List<ModelRow> ProbeRows(FeatureContract contract)
    {
        var numeric = contract.Features.Where(f => f.Kind == FeatureKind.Numeric).ToList();
        var categorical = contract.Features.Where(f => f.Kind == FeatureKind.Categorical).ToList();
        var schema = contract.Schema;
        var numericSize = Math.Max(1, schema.NumericNames.Count);
        var categoricalSize = Math.Max(1, schema.CategoricalNames.Count);
        var widest = categorical.Count == 0 ? 1 : categorical.Max(f => f.Categories?.Count ?? 1);
        var rows = new List<ModelRow>();
        for (var variant = 0; variant < Math.Max(4, widest + 1); variant++)
        {
            var numbers = new float[numericSize];
            for (var i = 0; i < numeric.Count; i++)
            {
                var (min, max) = (numeric[i].Min ?? 0, numeric[i].Max ?? 0);
                numbers[i] = (variant % 4) switch
                {
                    0 => (float)((min + max) / 2),
                    1 => (float)min,
                    2 => (float)max,
                    _ => float.NaN,
                };
            }

            var terms = new string[categoricalSize];
            for (var i = 0; i < terms.Length; i++)
            {
                var categories = i < categorical.Count ? categorical[i].Categories : null;
                terms[i] = i < categorical.Count
                    ? FeatureSchema.Term(categorical[i].Name, categories is { Count: > 0 } ? categories[variant % categories.Count] : ModelDatasets.MissingCategory)
                    : "";
            }

            rows.Add(new ModelRow { CustomerId = $"probe-{variant}", Numeric = numbers, Categorical = terms });
        }

        return rows;
    }
}
