using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using MlCustomer.Api.Scoring;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Tiers;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Segments;

namespace MlCustomer.Api.Models;

/// <summary>
/// One loaded bundle with everything that serves it: its own MLContext, the shared transformers, the
/// batch scorer and pools of prediction engines for the single-customer path. A request takes one
/// generation at its start (through a <see cref="ModelLease"/>) and uses only it, so a reload can never
/// give it an engine or an answer of another model. When a reload retires a generation, its engines are
/// disposed as soon as the last request that holds it is done; nothing else refers to it after that.
/// </summary>
public sealed class ModelGeneration
{
    private readonly MLContext ml;
    private readonly ObjectPool<PredictionEngine<ModelRow, ChurnScore>> churnEngines;
    private readonly ObjectPool<PredictionEngine<ModelRow, ValueScore>>? valueEngines;
    private readonly ObjectPool<PredictionEngine<ModelRow, ValueScore>>? revenueEngines;
    private readonly ObjectPool<PredictionEngine<SegmentInput, SegmentAssignment>>? segmentEngines;
    private readonly Dictionary<int, SegmentProfile> segmentsById;

    // Requests holding this generation; -1 once its engines are disposed (then it can no longer be taken).
    private int users;
    private volatile bool retired;

    /// <summary>Prepares serving of a loaded bundle (call <see cref="WarmUp"/> before use).</summary>
    public ModelGeneration(string source, ModelBundle bundle, MLContext ml, DateTimeOffset loadedAt, RuleSet? rules = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(ml);
        this.ml = ml;
        Source = source;
        Bundle = bundle;
        LoadedAt = loadedAt;
        Scorer = new BundleScorer(ml, bundle);
        Decisions = new BundleDecisions(bundle, rules);
        Inputs = new InputContract(bundle.Card);
        segmentsById = bundle.Card.Segments?.Profiles.ToDictionary(p => p.Id) ?? [];

        // One engine per concurrent request is enough; more are created under bursts and dropped on return.
        var provider = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 4 };
        var rowSchema = bundle.Card.FeatureContract.Schema.ToSchemaDefinition();
        churnEngines = provider.Create(new PredictionEnginePolicy<ModelRow, ChurnScore>(ml, bundle.Churn, rowSchema));
        valueEngines = bundle.LifetimeValue is { } value
            ? provider.Create(new PredictionEnginePolicy<ModelRow, ValueScore>(ml, value, rowSchema))
            : null;
        revenueEngines = bundle.Revenue is { } revenue
            ? provider.Create(new PredictionEnginePolicy<ModelRow, ValueScore>(ml, revenue, rowSchema))
            : null;
        segmentEngines = bundle.Segments is { } segments && bundle.Card.Segments is not null
            ? provider.Create(new PredictionEnginePolicy<SegmentInput, SegmentAssignment>(ml, segments, inputSchema: null))
            : null;
    }

    /// <summary>The tier and retention rules of this bundle (unavailable for customer-table bundles).</summary>
    public BundleDecisions Decisions { get; }

    /// <summary>The bundle folder name this generation came from.</summary>
    public string Source { get; }

    /// <summary>The loaded bundle.</summary>
    public ModelBundle Bundle { get; }

    /// <summary>The bundle's card.</summary>
    public ModelCard Card => Bundle.Card;

    /// <summary>The bundle version.</summary>
    public string Version => Bundle.Card.Version;

    /// <summary>When it was loaded.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The batch scorer (compiled chains, or Transform over many rows).</summary>
    public BundleScorer Scorer { get; }

    /// <summary>What requests are validated against.</summary>
    public InputContract Inputs { get; }

    /// <summary>True when the bundle has a segmentation.</summary>
    public bool HasSegments => segmentEngines is not null;

    /// <summary>Scores one customer with pooled prediction engines (the fast path).</summary>
    public CustomerScore PredictOne(ModelRow row, float[]? segmentVector, int reasons)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (reasons > 0 && Scorer.Explainer is not null)
        {
            // TreeSHAP reads the trees' feature vector, which the prediction engines do not give: the batch scorer's
            // one-row path explains exactly as a batch does.
            return PredictMany([row], [segmentVector], reasons)[0];
        }

        // The row as the engines read it (a model without categorical features still has one constant slot).
        var input = FeatureSchema.WithConstantSlots(row);
        double probability;
        IReadOnlyList<Reason> churnReasons;
        var churnEngine = churnEngines.Get();
        try
        {
            var churn = churnEngine.Predict(input);
            probability = Card.Churn.Calibrator.Calibrate(churn.Score);
            churnReasons = ModelExplanations.TopReasons(churn.FeatureContributions, Card.Churn.SlotNames, reasons);
        }
        finally
        {
            churnEngines.Return(churnEngine);
        }

        double? profit = null;
        IReadOnlyList<Reason> valueReasons = [];
        if (valueEngines is not null)
        {
            var valueEngine = valueEngines.Get();
            try
            {
                (var value, valueReasons) = Scorer.ValueOf(valueEngine.Predict(input), row, reasons);
                profit = value;
            }
            finally
            {
                valueEngines.Return(valueEngine);
            }
        }

        double? revenue = null;
        if (revenueEngines is not null)
        {
            var revenueEngine = revenueEngines.Get();
            try
            {
                revenue = Scorer.RevenueOf(revenueEngine.Predict(input), row);
            }
            finally
            {
                revenueEngines.Return(revenueEngine);
            }
        }

        (int Id, string Name)? segment = null;
        if (segmentVector is not null && segmentEngines is not null)
        {
            var segmentEngine = segmentEngines.Get();
            try
            {
                segment = SegmentOf(segmentEngine.Predict(new SegmentInput { Rfm = segmentVector }).ClusterId);
            }
            finally
            {
                segmentEngines.Return(segmentEngine);
            }
        }

        return new CustomerScore(row.CustomerId, probability, churnReasons, segment?.Id, segment?.Name, profit, valueReasons, revenue);
    }

    /// <summary>Scores many customers with the batch scorer.</summary>
    public IReadOnlyList<CustomerScore> PredictMany(IReadOnlyList<ModelRow> rows, IReadOnlyList<float[]?> segmentVectors, int reasons)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(segmentVectors);
        var scores = Scorer.Score(rows, reasons);
        if (Bundle.Segments is null || !HasSegments)
        {
            return scores;
        }

        var withVector = Enumerable.Range(0, rows.Count).Where(i => segmentVectors[i] is not null).ToList();
        if (withVector.Count == 0)
        {
            return scores;
        }

        var clusters = Scorer.Clusters(withVector.Select(i => segmentVectors[i]!).ToList());
        var result = scores.ToArray();
        for (var k = 0; k < withVector.Count; k++)
        {
            var i = withVector[k];
            var segment = SegmentOf(clusters[k]);
            result[i] = result[i] with { SegmentId = segment?.Id, SegmentName = segment?.Name };
        }

        return result;
    }

    /// <summary>
    /// One prediction per model through both paths, from a row in the middle of the training ranges.
    /// Refuses the bundle when a model answers with something unusable or the two paths disagree.
    /// </summary>
    /// <exception cref="ModelBundleException">The warm-up prediction failed.</exception>
    public void WarmUp()
    {
        var row = Inputs.TypicalRow("warm-up");
        float[] vector = [SegmentFeatures.SignedLog(30), SegmentFeatures.SignedLog(3), SegmentFeatures.SignedLog(200), SegmentFeatures.SignedLog(50)];
        CustomerScore one, many;
        try
        {
            // The prediction engines (a single score without reasons, or with ML.NET's contributions for bundles without
            // tree covers) against the batch scorer with reasons (TreeSHAP when the bundle has covers): both serve.
            one = PredictOne(row, vector, Scorer.Explainer is null ? BundleScorer.DefaultReasons : 0);
            many = PredictMany([row], [vector], BundleScorer.DefaultReasons)[0];
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            throw new ModelBundleException($"Bundle {Version}: the warm-up prediction failed ({e.Message}).");
        }

        if (!double.IsFinite(one.ChurnProbability) || one.ChurnProbability is < 0 or > 1)
        {
            throw new ModelBundleException($"Bundle {Version}: the warm-up churn probability is {one.ChurnProbability}, not a probability.");
        }

        if (one.PredictedGrossProfit is { } profit && !double.IsFinite(profit))
        {
            throw new ModelBundleException($"Bundle {Version}: the warm-up predicted profit is {profit}.");
        }

        if (one.PredictedRevenue is { } revenue && !double.IsFinite(revenue))
        {
            throw new ModelBundleException($"Bundle {Version}: the warm-up predicted revenue is {revenue}.");
        }

        if (HasSegments && one.SegmentId is null)
        {
            throw new ModelBundleException($"Bundle {Version}: the segmentation assigns the warm-up customer to no segment on its card.");
        }

        if (Math.Abs(one.ChurnProbability - many.ChurnProbability) > 1e-6 || one.SegmentId != many.SegmentId)
        {
            throw new ModelBundleException(
                $"Bundle {Version}: the single-customer and batch paths disagree ({one.ChurnProbability} against {many.ChurnProbability}).");
        }
    }

    internal bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref users);
            if (current < 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref users, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref users) == 0 && retired)
        {
            DisposeIfUnused();
        }
    }

    internal void Retire()
    {
        retired = true;
        DisposeIfUnused();
    }

    private void DisposeIfUnused()
    {
        // Only the caller that moves the count from 0 to -1 disposes; a request can no longer take it after that.
        if (Interlocked.CompareExchange(ref users, -1, 0) == 0)
        {
            (churnEngines as IDisposable)?.Dispose();
            (valueEngines as IDisposable)?.Dispose();
            (revenueEngines as IDisposable)?.Dispose();
            (segmentEngines as IDisposable)?.Dispose();
        }
    }

    // KMeans numbers clusters from 1; the card maps them to stable segment ids. Anything the card does not
    // know is no segment rather than a made-up one.
    private (int Id, string Name)? SegmentOf(uint clusterId)
    {
        var map = Card.Segments?.ClusterToSegment;
        if (map is null || clusterId < 1 || clusterId >= map.Count)
        {
            return null;
        }

        return segmentsById.TryGetValue(map[(int)clusterId], out var profile) ? (profile.Id, profile.Name) : null;
    }
}

/// <summary>A request's hold on one generation; dispose it when the request is done with the models.</summary>
public sealed class ModelLease : IDisposable
{
    private int disposed;

    internal ModelLease(ModelGeneration generation) => Generation = generation;

    /// <summary>The generation this request uses, start to end.</summary>
    public ModelGeneration Generation { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            Generation.Release();
        }
    }
}
