using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring.Compiled;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Scoring;

/// <summary>
/// Scores customers with a loaded bundle in batches: calibrated churn probability with reasons,
/// segment, predicted profit with reasons. Batches go through the bundle's chains compiled into plain
/// arrays (<see cref="CompiledBundle"/>, ~10× ML.NET's IDataView path, checked against it when built);
/// a bundle whose chains cannot be compiled is scored with ML.NET's Transform, the same numbers slower.
/// Keeps nothing of a call but its idle workspaces (in thread-safe bags), so one instance serves concurrent callers.
/// </summary>
public sealed class BundleScorer
{
    /// <summary>Reasons kept per prediction by default.</summary>
    public const int DefaultReasons = 3;

    private readonly MLContext ml;
    private readonly ModelBundle bundle;
    private readonly FeatureSchema schema;
    // Rows per parallel work item: big enough that scheduling costs nothing, small enough to share two cores evenly.
    private const int RowsPerWorkItem = 512;

    private readonly Dictionary<int, SegmentProfile> segmentsById;
    private readonly CompiledBundle? compiled;
    private readonly ValueBlender? valueBlender;
    private readonly ValueBlender? revenueBlender;
    private readonly ValueIntervals? valueIntervals;
    private readonly ValueIntervals? revenueIntervals;
    private readonly BundleExplainer? explainer;

    // Workspaces of finished batches, for the next (by whether reasons are computed: the plans differ). A set is
    // ~0.4 MB, which a CSV stream would otherwise allocate for every chunk of a few thousand rows.
    private readonly ConcurrentBag<BlockWorkspaces> idleWorkspaces = [];
    private readonly ConcurrentBag<BlockWorkspaces> idleExplainedWorkspaces = [];

    /// <summary>Prepares scoring with <paramref name="bundle"/>, compiled when its chains allow it.</summary>
    public BundleScorer(MLContext ml, ModelBundle bundle)
        : this(ml, bundle, compile: true)
    {
    }

    /// <summary>Prepares scoring with <paramref name="bundle"/>; <paramref name="compile"/> false keeps ML.NET's Transform (for comparisons).</summary>
    public BundleScorer(MLContext ml, ModelBundle bundle, bool compile)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(bundle);
        this.ml = ml;
        this.bundle = bundle;
        schema = bundle.Card.FeatureContract.Schema;
        segmentsById = bundle.Card.Segments?.Profiles.ToDictionary(p => p.Id) ?? [];
        valueBlender = bundle.Card.LifetimeValue?.Blend?.For(schema);
        revenueBlender = bundle.Card.Revenue?.Blend?.For(schema);
        valueIntervals = bundle.Card.LifetimeValue?.Intervals;
        revenueIntervals = bundle.Card.Revenue?.Intervals;
        explainer = BundleExplainer.TryCreate(bundle, out var notExplained);
        NotExplainedReason = notExplained;
        if (compile)
        {
            compiled = CompiledBundle.TryCreate(ml, bundle, out var reason);
            NotCompiledReason = reason;
        }
        else
        {
            NotCompiledReason = "compilation was not asked for";
        }
    }

    /// <summary>The bundle this scorer uses.</summary>
    public ModelBundle Bundle => bundle;

    /// <summary>True when batches are scored by the compiled chains rather than ML.NET's Transform.</summary>
    public bool IsCompiled => compiled is not null;

    /// <summary>Why batches are scored with ML.NET's Transform (a transformer the compiler does not know, …); null when compiled.</summary>
    public string? NotCompiledReason { get; }

    /// <summary>
    /// The TreeSHAP explainer whose additive effects are served as reasons, or null when the bundle cannot be explained
    /// that way (<see cref="NotExplainedReason"/>); then reasons are ML.NET's per-slot contributions to the raw score.
    /// </summary>
    public BundleExplainer? Explainer => explainer;

    /// <summary>Why reasons are ML.NET's contributions rather than TreeSHAP effects; null when explained by TreeSHAP.</summary>
    public string? NotExplainedReason { get; }

    /// <summary>Scores customers from their computed features (transactional bundles).</summary>
    public IReadOnlyList<CustomerScore> Score(IReadOnlyList<CustomerFeatures> customers, IReadOnlyList<string> attributeNames, int reasons = DefaultReasons)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var mapper = new FeatureRows(bundle.Card.FeatureContract, attributeNames);
        var segments = AssignSegments(customers);
        return compiled is null
            ? ScoreRowsWithMlNet(customers.Select(mapper.From).ToList(), segments, reasons)
            : ScoreRowsCompiled(compiled, customers.Count, i => mapper.From(customers[i]), segments, reasons);
    }

    /// <summary>Scores model rows directly (customer-table bundles, or precomputed features); no segments.</summary>
    public IReadOnlyList<CustomerScore> Score(IReadOnlyList<ModelRow> rows, int reasons = DefaultReasons)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return compiled is null ? ScoreRowsWithMlNet(rows, segments: null, reasons) : ScoreRowsCompiled(compiled, rows.Count, i => rows[i], segments: null, reasons);
    }

    /// <summary>
    /// The predicted value and its top reasons from the value chain's output for <paramref name="row"/>, with the
    /// card's blend applied when it has one (the one place that turns a chain output into a predicted value).
    /// </summary>
    public (double Value, IReadOnlyList<Reason> Reasons) ValueOf(ValueScore score, ModelRow row, int reasons)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(row);
        return Value(score.PredictedValue, score.FeatureContributions, row.Numeric, reasons);
    }

    /// <summary>The predicted revenue from the revenue chain's output for <paramref name="row"/>, with the card's blend applied.</summary>
    public double RevenueOf(ValueScore score, ModelRow row)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(row);
        return Revenue(score.PredictedValue, row.Numeric);
    }

    // The value chain's output turned into the predicted value and its top reasons: the card's blend (when it has
    // one) applied to both. Every scoring path goes through here, so none can forget the blend.
    private (double Value, IReadOnlyList<Reason> Reasons) Value(double trees, ReadOnlySpan<float> contributions, float[] numeric, int reasons)
    {
        var slotNames = bundle.Card.LifetimeValue?.SlotNames
            ?? throw new InvalidOperationException($"Bundle {bundle.Card.Version} has no lifetime value model.");
        if (valueBlender is null)
        {
            return (trees, reasons > 0 ? ModelExplanations.TopReasons(contributions, slotNames, reasons) : []);
        }

        var statistical = valueBlender.Statistical(numeric);
        if (reasons <= 0)
        {
            return (valueBlender.Value(trees, statistical), []);
        }

        var blended = contributions.Length < 1024 ? stackalloc float[contributions.Length + 1] : new float[contributions.Length + 1];
        valueBlender.Contributions(contributions, statistical, blended);
        return (valueBlender.Value(trees, statistical), ModelExplanations.TopReasons(blended, slotNames, reasons));
    }

    private double Revenue(double trees, float[] numeric) => revenueBlender?.Value(trees, numeric) ?? trees;

    /// <summary>Segment ids of customers, or null when the bundle has no segmentation.</summary>
    public int[]? AssignSegments(IReadOnlyList<CustomerFeatures> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        if (bundle.Segments is null || bundle.Card.Segments is null)
        {
            return null;
        }

        var clusterToSegment = bundle.Card.Segments.ClusterToSegment;
        return Clusters(customers.Select(SegmentFeatures.From).ToList())
            .Select(c => clusterToSegment[(int)c])
            .ToArray();
    }

    /// <summary>
    /// The KMeans cluster (1-based, as the card's ClusterToSegment reads it) of each segmentation vector
    /// (<see cref="SegmentFeatures.From"/>); empty when the bundle has no segmentation.
    /// </summary>
    public uint[] Clusters(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (bundle.Segments is null || vectors.Count == 0)
        {
            return [];
        }

        if (compiled?.Segments is { } plan)
        {
            var clusters = new uint[vectors.Count];
            var workspace = plan.CreateWorkspace();
            var input = new SegmentInput();
            for (var i = 0; i < vectors.Count; i++)
            {
                input.Rfm = vectors[i];
                plan.Run(input, workspace);
                clusters[i] = (uint)plan.Output(workspace, 0)[0];
            }

            return clusters;
        }

        var inputs = ml.Data.LoadFromEnumerable(vectors.Select(v => new SegmentInput { Rfm = v }));
        return ml.Data.CreateEnumerable<SegmentAssignment>(bundle.Segments.Transform(inputs), reuseRowObject: true)
            .Select(a => a.ClusterId)
            .ToArray();
    }

    // Rows in blocks of 8 (made from their customers inside the work item when scoring features): each plan
    // runs a block at once (its trees decide a split for 8 rows with one vector compare), then every row's
    // outputs are read from its own workspace and its reasons picked in place; parallel over work items.
    private CustomerScore[] ScoreRowsCompiled(CompiledBundle plans, int count, Func<int, ModelRow> rowAt, int[]? segments, int reasons)
    {
        const int blockRows = FlatTreeEnsemble.BlockRows;
        // TreeSHAP reads the feature vector the trees read; ML.NET's contributions are the fallback's.
        var shap = reasons > 0 && explainer is not null && plans.ChurnWithFeatures is not null
            && (plans.Value is null || (plans.ValueWithFeatures is not null && explainer.ExplainsValue));
        var churnPlan = reasons <= 0 ? plans.Churn : shap ? plans.ChurnWithFeatures! : plans.ChurnExplained;
        var valuePlan = reasons <= 0 ? plans.Value : shap ? plans.ValueWithFeatures : plans.ValueExplained;
        // Revenue reasons where the card stores the revenue trees' covers (older bundles: revenue without reasons).
        var explainRevenue = shap && plans.RevenueWithFeatures is not null && explainer!.ExplainsRevenue;
        var revenuePlan = explainRevenue ? plans.RevenueWithFeatures : plans.Revenue;
        var churnSlots = bundle.Card.Churn.SlotNames;
        var calibrator = bundle.Card.Churn.Calibrator;
        var scores = new CustomerScore[count];

        // One set of workspaces per thread, reused for every work item it runs, and kept for the next batch.
        var idle = reasons > 0 ? idleExplainedWorkspaces : idleWorkspaces;
        BlockWorkspaces RentWorkspaces() => idle.TryTake(out var kept) ? kept : new(
            Workspaces(churnPlan), valuePlan is null ? null : Workspaces(valuePlan), revenuePlan is null ? null : Workspaces(revenuePlan),
            new ModelRow[TreeExplainer.BlockRows], explainer is null ? null : new BlockExplanations(explainer.CreateScratch()));

        // With TreeSHAP, the plans run 8 rows at a time and the explainer takes 64 (TreeExplainer.BlockRows) at once: it
        // reads each tree's tables once for them all.
        var groupRows = shap ? TreeExplainer.BlockRows : blockRows;
        void ScoreBlock(int block, BlockWorkspaces workspaces)
        {
            var (churnWorkspaces, valueWorkspaces, revenueWorkspaces, rows, explained) = workspaces;
            var end = Math.Min(count, (block + 1) * RowsPerWorkItem);
            for (var first = block * RowsPerWorkItem; first < end; first += groupRows)
            {
                var groupSize = Math.Min(groupRows, end - first);
                for (var offset = 0; offset < groupSize; offset += blockRows)
                {
                    var n = Math.Min(blockRows, groupSize - offset);
                    var blockOfRows = rows.AsSpan(offset, n);
                    for (var k = 0; k < n; k++)
                    {
                        blockOfRows[k] = rowAt(first + offset + k);
                    }

                    churnPlan.RunBlock(blockOfRows, churnWorkspaces);
                    valuePlan?.RunBlock(blockOfRows, valueWorkspaces!);
                    revenuePlan?.RunBlock(blockOfRows, revenueWorkspaces!);
                    for (var k = 0; k < n; k++)
                    {
                        if (shap)
                        {
                            Keep(offset + k, blockOfRows[k], churnWorkspaces[k], valueWorkspaces?[k], revenueWorkspaces?[k], explained!);
                        }
                        else
                        {
                            scores[first + offset + k] = Collect(first + offset + k, blockOfRows[k], churnWorkspaces[k], valueWorkspaces?[k], revenueWorkspaces?[k]);
                        }
                    }
                }

                if (shap)
                {
                    var groupOfRows = rows.AsSpan(0, groupSize);
                    explainer!.ChurnBlock(
                        explained!.ChurnFeatures, explained.ChurnSlots, groupOfRows, explained.Probabilities.AsSpan(0, groupSize), reasons, explained.Scratch, explained.Churn);
                    if (valuePlan is not null)
                    {
                        explainer.ValueBlock(
                            explained.ValueFeatures,
                            explained.ValueSlots,
                            groupOfRows,
                            explained.Values.AsSpan(0, groupSize),
                            explained.Statistical.AsSpan(0, groupSize),
                            reasons,
                            explained.Scratch,
                            explained.Value);
                    }

                    if (explainRevenue)
                    {
                        explainer.RevenueBlock(
                            explained.RevenueFeatures,
                            explained.RevenueSlots,
                            groupOfRows,
                            explained.RevenueValues.AsSpan(0, groupSize),
                            explained.RevenueStatistical.AsSpan(0, groupSize),
                            reasons,
                            explained.Scratch,
                            explained.RevenueExplained);
                    }

                    for (var r = 0; r < groupSize; r++)
                    {
                        scores[first + r] = CollectExplained(first + r, r, groupOfRows[r], explained);
                    }
                }
            }
        }

        static ChainWorkspace[] Workspaces(ChainPlan<ModelRow> plan) => [.. Enumerable.Range(0, blockRows).Select(_ => plan.CreateWorkspace())];

        // Keeps row r's served numbers and the feature vectors its trees read until the group is explained.
        void Keep(int r, ModelRow row, ChainWorkspace churnWorkspace, ChainWorkspace? valueWorkspace, ChainWorkspace? revenueWorkspace, BlockExplanations explained)
        {
            explained.Probabilities[r] = calibrator.Calibrate(churnPlan.Output(churnWorkspace, 0)[0]);
            var churnVector = churnPlan.Output(churnWorkspace, 1);
            (explained.ChurnFeatures, explained.ChurnSlots) = (BlockExplanations.Kept(explained.ChurnFeatures, r, churnVector), churnVector.Length);
            if (valuePlan is not null)
            {
                var statistical = valueBlender?.Statistical(row.Numeric) ?? double.NaN;
                var trees = valuePlan.Output(valueWorkspace!, 0)[0];
                explained.Statistical[r] = statistical;
                explained.Values[r] = valueBlender?.Value(trees, statistical) ?? trees;
                explained.ValueParts[r] = plans.ValueIsTwoPart ? CompiledBundle.Parts(valuePlan, valueWorkspace!) : null;
                var valueVector = valuePlan.Output(valueWorkspace!, 1);
                (explained.ValueFeatures, explained.ValueSlots) = (BlockExplanations.Kept(explained.ValueFeatures, r, valueVector), valueVector.Length);
            }

            if (explainRevenue)
            {
                var statistical = revenueBlender?.Statistical(row.Numeric) ?? double.NaN;
                var trees = revenuePlan!.Output(revenueWorkspace!, 0)[0];
                explained.RevenueStatistical[r] = statistical;
                explained.RevenueValues[r] = revenueBlender?.Value(trees, statistical) ?? trees;
                explained.Revenue[r] = explained.RevenueValues[r];
                explained.RevenueParts[r] = plans.RevenueIsTwoPart ? CompiledBundle.Parts(revenuePlan, revenueWorkspace!) : null;
                var revenueVector = revenuePlan.Output(revenueWorkspace!, 1);
                (explained.RevenueFeatures, explained.RevenueSlots) = (BlockExplanations.Kept(explained.RevenueFeatures, r, revenueVector), revenueVector.Length);
            }
            else
            {
                explained.Revenue[r] = revenuePlan is null ? null : Revenue(revenuePlan.Output(revenueWorkspace!, 0)[0], row.Numeric);
                explained.RevenueParts[r] = revenuePlan is not null && plans.RevenueIsTwoPart ? CompiledBundle.Parts(revenuePlan, revenueWorkspace!) : null;
            }
        }

        // Row r of an explained group as a score.
        CustomerScore CollectExplained(int i, int r, ModelRow row, BlockExplanations explained)
        {
            var (churnReasons, churnTotals) = explained.Churn[r];
            // Without an explained revenue model: no reasons and no totals (a default Explanation would carry a zero baseline).
            (IReadOnlyList<Reason>? Reasons, ExplanationTotals? Totals) revenueExplained = explainRevenue
                ? (explained.RevenueExplained[r].Reasons, explained.RevenueExplained[r].Totals)
                : (null, null);
            var (revenueReasons, revenueTotals) = revenueExplained;
            if (valuePlan is null)
            {
                return Score(
                    i, row, explained.Probabilities[r], churnReasons, churnTotals, null, [], null, explained.Revenue[r], revenueReasons, revenueTotals,
                    revenueParts: explained.RevenueParts[r]);
            }

            var (valueReasons, valueTotals) = explained.Value[r];
            return Score(
                i, row, explained.Probabilities[r], churnReasons, churnTotals, explained.Values[r], valueReasons, valueTotals, explained.Revenue[r], revenueReasons, revenueTotals,
                explained.ValueParts[r], explained.RevenueParts[r]);
        }

        // One row's score from the plans' outputs in its workspaces (ML.NET's contributions as reasons, or none).
        CustomerScore Collect(int i, ModelRow row, ChainWorkspace churnWorkspace, ChainWorkspace? valueWorkspace, ChainWorkspace? revenueWorkspace)
        {
            var probability = calibrator.Calibrate(churnPlan.Output(churnWorkspace, 0)[0]);
            IReadOnlyList<Reason> churnReasons = reasons > 0 ? ModelExplanations.TopReasons(churnPlan.Output(churnWorkspace, 1), churnSlots, reasons) : [];
            double? value = null;
            IReadOnlyList<Reason> valueReasons = [];
            TwoPartPrediction? valueParts = null;
            if (valuePlan is not null)
            {
                (value, valueReasons) = Value(
                    valuePlan.Output(valueWorkspace!, 0)[0], reasons > 0 ? valuePlan.Output(valueWorkspace!, 1) : [], row.Numeric, reasons);
                valueParts = plans.ValueIsTwoPart ? CompiledBundle.Parts(valuePlan, valueWorkspace!) : null;
            }

            double? revenue = revenuePlan is null ? null : Revenue(revenuePlan.Output(revenueWorkspace!, 0)[0], row.Numeric);
            TwoPartPrediction? revenueParts = revenuePlan is not null && plans.RevenueIsTwoPart ? CompiledBundle.Parts(revenuePlan, revenueWorkspace!) : null;
            return Score(i, row, probability, churnReasons, null, value, valueReasons, null, revenue, valueParts: valueParts, revenueParts: revenueParts);
        }

        CustomerScore Score(
            int i,
            ModelRow row,
            double probability,
            IReadOnlyList<Reason> churnReasons,
            ExplanationTotals? churnTotals,
            double? value,
            IReadOnlyList<Reason> valueReasons,
            ExplanationTotals? valueTotals,
            double? revenue,
            IReadOnlyList<Reason>? revenueReasons = null,
            ExplanationTotals? revenueTotals = null,
            TwoPartPrediction? valueParts = null,
            TwoPartPrediction? revenueParts = null)
        {
            int? segment = segments?[i];
            return new CustomerScore(
                row.CustomerId,
                probability,
                churnReasons,
                segment,
                segment is { } id && segmentsById.TryGetValue(id, out var profile) ? profile.Name : null,
                value,
                valueReasons,
                revenue)
            {
                ChurnTotals = churnTotals,
                ValueTotals = valueTotals,
                RevenueReasons = revenueReasons ?? [],
                RevenueTotals = revenueTotals,
                GrossProfitInterval = value is { } v ? valueIntervals?.For(v, valueParts, row.CustomerId) : null,
                RevenueInterval = revenue is { } r ? revenueIntervals?.For(r, revenueParts, row.CustomerId) : null,
            };
        }

        var blocks = (count + RowsPerWorkItem - 1) / RowsPerWorkItem;
        if (blocks <= 1)
        {
            var workspaces = RentWorkspaces();
            for (var block = 0; block < blocks; block++)
            {
                ScoreBlock(block, workspaces);
            }

            idle.Add(workspaces);
        }
        else
        {
            Parallel.For(0, blocks, RentWorkspaces, (block, _, workspaces) =>
            {
                ScoreBlock(block, workspaces);
                return workspaces;
            }, idle.Add);
        }

        return scores;
    }

    // A thread's workspaces for the three plans (8 rows each), the block's rows, and its explanation buffers.
    private sealed record BlockWorkspaces(ChainWorkspace[] Churn, ChainWorkspace[]? Value, ChainWorkspace[]? Revenue, ModelRow[] Rows, BlockExplanations? Explained);

    // A group's inputs to the explainer (the trees' feature vectors side by side, the served predictions), kept as the
    // plans run its blocks of 8, and its results.
    private sealed class BlockExplanations(BundleExplainer.Scratch scratch)
    {
        private const int Rows = TreeExplainer.BlockRows;

        public BundleExplainer.Scratch Scratch { get; } = scratch;

        public float[] ChurnFeatures { get; set; } = [];

        public float[] ValueFeatures { get; set; } = [];

        public int ChurnSlots { get; set; }

        public int ValueSlots { get; set; }

        public double[] Probabilities { get; } = new double[Rows];

        public double[] Values { get; } = new double[Rows];

        public TwoPartPrediction?[] ValueParts { get; } = new TwoPartPrediction?[Rows];

        public TwoPartPrediction?[] RevenueParts { get; } = new TwoPartPrediction?[Rows];

        public double[] Statistical { get; } = new double[Rows];

        public double?[] Revenue { get; } = new double?[Rows];

        public float[] RevenueFeatures { get; set; } = [];

        public int RevenueSlots { get; set; }

        public double[] RevenueValues { get; } = new double[Rows];

        public double[] RevenueStatistical { get; } = new double[Rows];

        public Explanation[] RevenueExplained { get; } = new Explanation[Rows];

        public Explanation[] Churn { get; } = new Explanation[Rows];

        public Explanation[] Value { get; } = new Explanation[Rows];

        // Copies row r's vector into the group's vectors (row r at r·slots), grown on first use; returns them.
        public static float[] Kept(float[] features, int r, ReadOnlySpan<float> vector)
        {
            var slots = vector.Length;
            var kept = features.Length < slots * Rows ? new float[slots * Rows] : features;
            vector.CopyTo(kept.AsSpan(r * slots, slots));
            return kept;
        }
    }

    private List<CustomerScore> ScoreRowsWithMlNet(IReadOnlyList<ModelRow> rows, int[]? segments, int reasons)
    {
        var data = schema.Load(ml, rows);
        var churnSlots = bundle.Card.Churn.SlotNames;
        var calibrator = bundle.Card.Churn.Calibrator;
        var churn = ml.Data.CreateEnumerable<ChurnScore>(bundle.Churn.Transform(data), reuseRowObject: false)
            .Select(s => (Probability: calibrator.Calibrate(s.Score), Reasons: ModelExplanations.TopReasons(s.FeatureContributions, churnSlots, reasons)))
            .ToList();

        List<(double Value, IReadOnlyList<Reason> Reasons)>? value = null;
        TwoPartPrediction[]? valueParts = null;
        if (bundle.LifetimeValue is not null)
        {
            var scored = bundle.LifetimeValue.Transform(data);
            value = ml.Data.CreateEnumerable<ValueScore>(scored, reuseRowObject: false)
                .Select((s, i) => ValueOf(s, rows[i], reasons))
                .ToList();
            valueParts = Parts(scored);
        }

        double[]? revenue = null;
        TwoPartPrediction[]? revenueParts = null;
        if (bundle.Revenue is not null)
        {
            var scored = bundle.Revenue.Transform(data);
            revenue = ml.Data.CreateEnumerable<ValueScore>(scored, reuseRowObject: false)
                .Select((s, i) => RevenueOf(s, rows[i]))
                .ToArray();
            revenueParts = Parts(scored);
        }

        // A two-part chain's P(≠ 0) and amount per row (what its intervals read); null for a one-part chain.
        static TwoPartPrediction[]? Parts(IDataView scored) =>
            scored.Schema.GetColumnOrNull(LifetimeValueTrainer.ProbabilityColumn) is null
                ? null
                : [.. scored.GetColumn<float>(ValueScore.PredictedValueColumn).Zip(
                    scored.GetColumn<float>(LifetimeValueTrainer.ProbabilityColumn), (trees, p) => TwoPartPrediction.FromTrees(trees, p))];

        // TreeSHAP from the feature vectors the trees read, as the compiled path does.
        List<Explanation>? churnExplained = null, valueExplained = null, revenueExplained = null;
        if (reasons > 0 && explainer is not null && (bundle.LifetimeValue is null || explainer.ExplainsValue))
        {
            var scratch = explainer.CreateScratch();
            var churnFeatures = BundleTrees.FeatureVectors(bundle.Churn, data, FeatureSchema.FeaturesColumn);
            churnExplained = [.. churnFeatures.Select((f, i) => explainer.Churn(f, rows[i], churn[i].Probability, reasons, scratch))];
            if (bundle.LifetimeValue is not null)
            {
                var valueFeatures = BundleTrees.FeatureVectors(bundle.LifetimeValue, data, FeatureSchema.FeaturesColumn);
                valueExplained = [.. valueFeatures.Select((f, i) => explainer.Value(
                    f, rows[i], value![i].Value, valueBlender?.Statistical(rows[i].Numeric) ?? double.NaN, reasons, scratch))];
            }

            if (bundle.Revenue is not null && explainer.ExplainsRevenue)
            {
                var revenueFeatures = BundleTrees.FeatureVectors(bundle.Revenue, data, FeatureSchema.FeaturesColumn);
                revenueExplained = [.. revenueFeatures.Select((f, i) => explainer.Revenue(
                    f, rows[i], revenue![i], revenueBlender?.Statistical(rows[i].Numeric) ?? double.NaN, reasons, scratch))];
            }
        }

        var scores = new List<CustomerScore>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            int? segment = segments?[i];
            scores.Add(new CustomerScore(
                rows[i].CustomerId,
                churn[i].Probability,
                churnExplained?[i].Reasons ?? churn[i].Reasons,
                segment,
                segment is { } id && segmentsById.TryGetValue(id, out var profile) ? profile.Name : null,
                value?[i].Value,
                valueExplained?[i].Reasons ?? value?[i].Reasons ?? [],
                revenue?[i])
            {
                ChurnTotals = churnExplained?[i].Totals,
                ValueTotals = valueExplained?[i].Totals,
                RevenueReasons = revenueExplained?[i].Reasons ?? [],
                RevenueTotals = revenueExplained?[i].Totals,
                GrossProfitInterval = value?[i].Value is { } v ? valueIntervals?.For(v, valueParts?[i], rows[i].CustomerId) : null,
                RevenueInterval = revenue?[i] is { } r ? revenueIntervals?.For(r, revenueParts?[i], rows[i].CustomerId) : null,
            });
        }

        return scores;
    }
}
