using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Scoring;

/// <summary>
/// Scores customers with a loaded bundle in batches: calibrated churn probability with reasons,
/// segment, predicted profit with reasons. The transformers are shared and thread-safe; this class
/// holds no per-call state, so one instance serves concurrent callers.
/// </summary>
public sealed class BundleScorer
{
    /// <summary>Reasons kept per prediction by default.</summary>
    public const int DefaultReasons = 3;

    private readonly MLContext ml;
    private readonly ModelBundle bundle;
    private readonly FeatureSchema schema;
    private readonly Dictionary<int, SegmentProfile> segmentsById;
    private readonly ValueBlender? valueBlender;
    private readonly ValueBlender? revenueBlender;

    /// <summary>Prepares scoring with <paramref name="bundle"/>.</summary>
    public BundleScorer(MLContext ml, ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(bundle);
        this.ml = ml;
        this.bundle = bundle;
        schema = bundle.Card.FeatureContract.Schema;
        segmentsById = bundle.Card.Segments?.Profiles.ToDictionary(p => p.Id) ?? [];
        valueBlender = bundle.Card.LifetimeValue?.Blend?.For(schema);
        revenueBlender = bundle.Card.Revenue?.Blend?.For(schema);
    }

    /// <summary>The bundle this scorer uses.</summary>
    public ModelBundle Bundle => bundle;

    /// <summary>Scores customers from their computed features (transactional bundles).</summary>
    public IReadOnlyList<CustomerScore> Score(IReadOnlyList<CustomerFeatures> customers, IReadOnlyList<string> attributeNames, int reasons = DefaultReasons)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var mapper = new FeatureRows(bundle.Card.FeatureContract, attributeNames);
        var rows = customers.Select(mapper.From).ToList();
        var segments = AssignSegments(customers);
        return ScoreRows(rows, segments, reasons);
    }

    /// <summary>Scores model rows directly (customer-table bundles, or precomputed features); no segments.</summary>
    public IReadOnlyList<CustomerScore> Score(IReadOnlyList<ModelRow> rows, int reasons = DefaultReasons)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return ScoreRows(rows, segments: null, reasons);
    }

    /// <summary>
    /// The predicted value and its top reasons from the value chain's output for <paramref name="row"/>, with the
    /// card's blend applied when it has one (the one place that turns a chain output into a predicted value).
    /// </summary>
    public (double Value, IReadOnlyList<Reason> Reasons) ValueOf(ValueScore score, ModelRow row, int reasons)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(row);
        var slotNames = bundle.Card.LifetimeValue?.SlotNames
            ?? throw new InvalidOperationException($"Bundle {bundle.Card.Version} has no lifetime value model.");
        return valueBlender is null
            ? (score.PredictedValue, ModelExplanations.TopReasons(score.FeatureContributions, slotNames, reasons))
            : (valueBlender.Value(score.PredictedValue, row.Numeric),
                ModelExplanations.TopReasons(valueBlender.Contributions(score.FeatureContributions, row.Numeric), slotNames, reasons));
    }

    /// <summary>The predicted revenue from the revenue chain's output for <paramref name="row"/>, with the card's blend applied.</summary>
    public double RevenueOf(ValueScore score, ModelRow row)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(row);
        return revenueBlender?.Value(score.PredictedValue, row.Numeric) ?? score.PredictedValue;
    }

    /// <summary>Segment ids of customers, or null when the bundle has no segmentation.</summary>
    public int[]? AssignSegments(IReadOnlyList<CustomerFeatures> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        if (bundle.Segments is null || bundle.Card.Segments is null)
        {
            return null;
        }

        var inputs = ml.Data.LoadFromEnumerable(customers.Select(c => new SegmentInput { Rfm = SegmentFeatures.From(c) }));
        var clusterToSegment = bundle.Card.Segments.ClusterToSegment;
        return ml.Data.CreateEnumerable<SegmentAssignment>(bundle.Segments.Transform(inputs), reuseRowObject: true)
            .Select(a => clusterToSegment[(int)a.ClusterId])
            .ToArray();
    }

    private List<CustomerScore> ScoreRows(IReadOnlyList<ModelRow> rows, int[]? segments, int reasons)
    {
        var data = schema.Load(ml, rows);
        var churnSlots = bundle.Card.Churn.SlotNames;
        var calibrator = bundle.Card.Churn.Calibrator;
        var churn = ml.Data.CreateEnumerable<ChurnScore>(bundle.Churn.Transform(data), reuseRowObject: false)
            .Select(s => (Probability: calibrator.Calibrate(s.Score), Reasons: ModelExplanations.TopReasons(s.FeatureContributions, churnSlots, reasons)))
            .ToList();

        List<(double Value, IReadOnlyList<Reason> Reasons)>? value = null;
        if (bundle.LifetimeValue is not null)
        {
            value = ml.Data.CreateEnumerable<ValueScore>(bundle.LifetimeValue.Transform(data), reuseRowObject: false)
                .Select((s, i) => ValueOf(s, rows[i], reasons))
                .ToList();
        }

        double[]? revenue = null;
        if (bundle.Revenue is not null)
        {
            revenue = ml.Data.CreateEnumerable<ValueScore>(bundle.Revenue.Transform(data), reuseRowObject: false)
                .Select((s, i) => RevenueOf(s, rows[i]))
                .ToArray();
        }

        var scores = new List<CustomerScore>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            int? segment = segments?[i];
            scores.Add(new CustomerScore(
                rows[i].CustomerId,
                churn[i].Probability,
                churn[i].Reasons,
                segment,
                segment is { } id && segmentsById.TryGetValue(id, out var profile) ? profile.Name : null,
                value?[i].Value,
                value?[i].Reasons ?? [],
                revenue?[i]));
        }

        return scores;
    }
}
