using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace MlCustomer.Core.Scoring.Compiled;

/// <summary>How a <see cref="FlatTreeEnsemble"/> walks its trees; all give the same numbers.</summary>
internal enum TreeLayout
{
    /// <summary>The fastest one the trees allow: tables, else complete trees, else linked.</summary>
    Auto,

    /// <summary>Nodes with child links, walked like ML.NET walks them (any tree, categorical splits too).</summary>
    Linked,

    /// <summary>Complete binary trees in heap order (trees up to depth 10 without categorical splits).</summary>
    Complete,

    /// <summary>A lookup table per tree (trees of up to 7 splits without categorical splits).</summary>
    Tables,
}

/// <summary>
/// A FastTree ensemble copied into flat arrays and evaluated the way ML.NET 5 evaluates it
/// (InternalRegressionTree.GetLeaf / GetOutput / AppendFeatureContributions): a numeric split sends a
/// value <c>&lt;= threshold</c> to the left child and everything else, NaN included, to the right; a
/// categorical split goes right when any of its slots is &gt; 0; a tree without a split outputs 0; the
/// score is the sum of the leaf values in double, rounded to float once; tree weights and the ensemble
/// bias are not part of ML.NET's score, so they are not part of this one either.
/// </summary>
internal sealed class FlatTreeEnsemble
{
    // Trees deeper than this keep the linked form: a complete tree of that depth would not fit in cache.
    private const int MaxCompleteDepth = 10;

    // Below this depth every tree is padded to the deepest one, so the walk has one trip count for all trees.
    private const int SharedDepthLimit = 4;

    private readonly Node[] nodes;
    private readonly double[] leafValues;
    private readonly int[] roots;
    private readonly int[] categoricalSlots;
    private readonly int[] categoricalStart;
    private readonly CompleteTrees? complete;
    private readonly TreeTables? tables;

    private FlatTreeEnsemble(Node[] nodes, double[] leafValues, int[] roots, int[] categoricalSlots, int[] categoricalStart, int slotCount, TreeLayout layout)
    {
        this.nodes = nodes;
        this.leafValues = leafValues;
        this.roots = roots;
        this.categoricalSlots = categoricalSlots;
        this.categoricalStart = categoricalStart;
        SlotCount = slotCount;
        var flat = categoricalSlots.Length == 0;
        tables = flat && layout is TreeLayout.Auto or TreeLayout.Tables ? TreeTables.TryCreate(this) : null;
        complete = flat && tables is null && layout is TreeLayout.Auto or TreeLayout.Complete ? CompleteTrees.TryCreate(this) : null;
        Layout = tables is not null ? TreeLayout.Tables : complete is not null ? TreeLayout.Complete : TreeLayout.Linked;
    }

    /// <summary>Smallest feature vector length the ensemble can read (1 + its highest split slot).</summary>
    public int SlotCount { get; }

    /// <summary>The layout in use.</summary>
    public TreeLayout Layout { get; }

    /// <summary>Trees with at least one split.</summary>
    public int TreeCount => roots.Length;

    /// <summary>Copies <paramref name="model"/>'s trees, or says why it cannot be evaluated here.</summary>
    /// <param name="model">The trees' model parameters.</param>
    /// <param name="unsupported">Why not, when null is returned.</param>
    /// <param name="layout">The layout to use (Auto: the fastest that fits).</param>
    /// <param name="withoutMissingValues">
    /// True when the feature vectors the trees will read can hold no NaN (the chain replaces missing values before
    /// them): then LightGBM's learned per-node directions for missing values never come into play, and its trees walk
    /// exactly as FastTree's do.
    /// </param>
    public static FlatTreeEnsemble? TryCreate(object model, out string? unsupported, TreeLayout layout = TreeLayout.Auto, bool withoutMissingValues = false)
    {
        // Only the kinds whose score is the plain sum of leaf values: FastTree binary and regression, and LightGBM binary
        // and regression when no missing value can reach them; Tweedie, ranking and forests (averaged quantile trees)
        // score differently.
        var lightGbm = model is LightGbmBinaryModelParameters or LightGbmRegressionModelParameters;
        if (model is not (FastTreeBinaryModelParameters or FastTreeRegressionModelParameters) && !(lightGbm && withoutMissingValues))
        {
            unsupported = lightGbm
                ? "LightGBM trees reading a column that may hold missing values (their learned directions for them are not compiled)"
                : $"tree model {model.GetType().Name} (only FastTree, and LightGBM after missing-value replacement, are compiled)";
            return null;
        }

        var ensemble = ((TreeEnsembleModelParametersBasedOnRegressionTree)model).TrainedTreeEnsemble;
        var nodes = new List<Node>();
        var leaves = new List<double>();
        var roots = new List<int>();
        var categoricalSlots = new List<int>();
        var categoricalStart = new List<int> { 0 };
        var maxSlot = -1;
        foreach (var tree in ensemble.Trees)
        {
            if (!withoutMissingValues && HasMissingValueDefaults(tree, out var reflectionProblem))
            {
                unsupported = reflectionProblem ?? "a tree with learned defaults for missing values";
                return null;
            }

            var nodeCount = tree.NumberOfNodes;
            if (nodeCount == 0 || tree.NumberOfLeaves < 2 || tree.LeftChild.Count == 0 || tree.LeftChild[0] == 0)
            {
                continue; // ML.NET: "no root split", output 0 and no contributions
            }

            var nodeOffset = nodes.Count;
            var leafOffset = leaves.Count;
            for (var n = 0; n < nodeCount; n++)
            {
                int feature;
                if (tree.CategoricalSplitFlags.Count > n && tree.CategoricalSplitFlags[n])
                {
                    var slots = tree.GetCategoricalSplitFeaturesAt(n);
                    categoricalSlots.AddRange(slots);
                    categoricalStart.Add(categoricalSlots.Count);
                    foreach (var s in slots)
                    {
                        maxSlot = Math.Max(maxSlot, s);
                    }

                    feature = -categoricalStart.Count + 1; // -(index + 1) into categoricalStart pairs
                }
                else
                {
                    feature = tree.NumericalSplitFeatureIndexes[n];
                    maxSlot = Math.Max(maxSlot, feature);
                }

                nodes.Add(new Node(
                    feature,
                    tree.NumericalSplitThresholds[n],
                    Child(tree.LeftChild[n], nodeOffset, leafOffset),
                    Child(tree.RightChild[n], nodeOffset, leafOffset)));
            }

            leaves.AddRange(tree.LeafValues);
            roots.Add(nodeOffset);
        }

        unsupported = null;
        return new FlatTreeEnsemble(nodes.ToArray(), leaves.ToArray(), roots.ToArray(), categoricalSlots.ToArray(), categoricalStart.ToArray(), maxSlot + 1, layout);
    }

    /// <summary>The raw score of one feature vector.</summary>
    public float Score(ReadOnlySpan<float> features)
    {
        if (tables is not null)
        {
            return tables.Score(features);
        }

        if (complete is not null)
        {
            return complete.Score(features);
        }

        double output = 0;
        foreach (var root in roots)
        {
            output += leafValues[Leaf(features, root)];
        }

        return (float)output;
    }

    /// <summary>True when <see cref="Score(ReadOnlySpan{float}, Span{int})"/> can record the entries a later contribution step reuses.</summary>
    public bool RecordsEntries => tables is not null;

    /// <summary>True when <paramref name="other"/> holds the same trees (e.g. a scorer's and a contribution calculator's copy).</summary>
    public bool SameTrees(FlatTreeEnsemble other) =>
        other is not null && nodes.AsSpan().SequenceEqual(other.nodes) && leafValues.AsSpan().SequenceEqual(other.leafValues)
        && roots.AsSpan().SequenceEqual(other.roots) && categoricalSlots.AsSpan().SequenceEqual(other.categoricalSlots);

    /// <summary>
    /// Rows a block holds in <see cref="ScoreBlock"/>: as many as TreeSHAP explains at once, so that each tree's table is
    /// read once per block by the scorer as by the explainer.
    /// </summary>
    public const int BlockRows = 64;

    /// <summary>Rows decided by one vector compare (one <see cref="Vector256{T}"/> of floats): a block is groups of this many.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// True when <see cref="ScoreBlock"/> is available: lookup tables, and 256-bit vectors in hardware (else the
    /// vector code would be emulated and slower than scoring row by row).
    /// </summary>
    public bool ScoresBlocks => tables is not null && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// The raw scores of up to <see cref="BlockRows"/> rows at once, the same numbers as <see cref="Score(ReadOnlySpan{float})"/>
    /// row by row. <paramref name="transposed"/> holds the rows in groups of <see cref="Lanes"/>, each group slot-major:
    /// slot s of row 8g + k at <c>(g * SlotCount + s) * Lanes + k</c> (whole groups; lanes at or past
    /// <paramref name="scores"/>' length are ignored). <paramref name="blockEntries"/> is empty, or receives the table
    /// entries for <see cref="AddContributionsBlock"/>: tree t's entry for row 8g + k at <c>(g * TreeCount + t) * Lanes + k</c>,
    /// counted from the tree's first entry (<see cref="TreeCount"/> × <see cref="BlockRows"/> values).
    /// </summary>
    public void ScoreBlock(ReadOnlySpan<float> transposed, Span<float> scores, Span<int> blockEntries)
    {
        // The vector loads and stores below are unchecked: these checks keep every one of them inside the spans.
        var groups = (scores.Length + Lanes - 1) / Lanes;
        if (transposed.Length < SlotCount * Lanes * groups || scores.Length > BlockRows
            || (blockEntries.Length > 0 && blockEntries.Length < TreeCount * Lanes * groups))
        {
            throw new ArgumentException($"A block holds at most {BlockRows} rows of {SlotCount} transposed slots, and {TreeCount * BlockRows} entries or none.");
        }

        tables!.ScoreBlock(transposed, scores, blockEntries);
    }

    /// <summary>The raw score, recording each tree's table entry in <paramref name="entries"/> (length <see cref="TreeCount"/>; tables only).</summary>
    public float Score(ReadOnlySpan<float> features, Span<int> entries) => tables!.Score(features, entries);

    /// <summary>Contributions from entries recorded by <see cref="Score(ReadOnlySpan{float}, Span{int})"/> for the same row.</summary>
    public void AddContributions(ReadOnlySpan<int> entries, Span<float> contributions) => tables!.AddContributions(entries, contributions);

    /// <summary>
    /// <see cref="AddContributions(ReadOnlySpan{int}, Span{float})"/> for the rows of one group of a block at once, from
    /// the entries <see cref="ScoreBlock"/> recorded for the group (its <see cref="TreeCount"/> × <see cref="Lanes"/>
    /// values); row k's contributions in <paramref name="contributions"/>[k] (at least <see cref="SlotCount"/> long).
    /// The same numbers as row by row.
    /// </summary>
    public void AddContributionsBlock(ReadOnlySpan<int> blockEntries, ReadOnlySpan<float[]> contributions)
    {
        var fits = contributions.Length <= Lanes && blockEntries.Length >= TreeCount * Lanes;
        foreach (var row in contributions)
        {
            fits &= row.Length >= SlotCount;
        }

        if (!fits)
        {
            throw new ArgumentException($"A group holds at most {Lanes} rows of {SlotCount} contributions, from {TreeCount * Lanes} entries.");
        }

        tables!.AddContributionsBlock(blockEntries, contributions);
    }

    /// <summary>
    /// Adds every slot's contribution to <paramref name="contributions"/> (which the caller clears):
    /// for each split on the path, the tree's output minus the output had the row gone the other way there,
    /// credited to the split's slot; ML.NET's FeatureContributionCalculator with normalize: false.
    /// </summary>
    public void AddContributions(ReadOnlySpan<float> features, Span<float> contributions)
    {
        if (tables is not null)
        {
            tables.AddContributions(features, contributions);
            return;
        }

        if (complete is not null)
        {
            complete.AddContributions(features, contributions);
            return;
        }

        foreach (var root in roots)
        {
            var trueOutput = leafValues[Leaf(features, root)];
            var node = root;
            while (node >= 0)
            {
                ref readonly var n = ref nodes[node];
                if (n.Feature >= 0)
                {
                    int other;
                    if (features[n.Feature] <= n.Threshold)
                    {
                        other = n.Greater;
                        node = n.LessOrEqual;
                    }
                    else
                    {
                        other = n.LessOrEqual;
                        node = n.Greater;
                    }

                    contributions[n.Feature] += (float)(trueOutput - leafValues[Leaf(features, other)]);
                }
                else
                {
                    var (start, end) = CategoricalRange(n.Feature);
                    var selected = -1;
                    for (var i = start; i < end; i++)
                    {
                        if (features[categoricalSlots[i]] > 0f)
                        {
                            selected = categoricalSlots[i];
                            break;
                        }
                    }

                    var other = selected >= 0 ? n.LessOrEqual : n.Greater;
                    node = selected >= 0 ? n.Greater : n.LessOrEqual;
                    var difference = (float)(trueOutput - leafValues[Leaf(features, other)]);
                    for (var i = start; i < end; i++)
                    {
                        var slot = categoricalSlots[i];
                        contributions[slot] += selected < 0 || slot == selected ? difference : -difference;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Leaf(ReadOnlySpan<float> features, int node)
    {
        while (node >= 0)
        {
            ref readonly var n = ref nodes[node];
            if (n.Feature >= 0)
            {
                node = features[n.Feature] <= n.Threshold ? n.LessOrEqual : n.Greater;
            }
            else
            {
                node = AnyPositive(features, n.Feature) ? n.Greater : n.LessOrEqual;
            }
        }

        return ~node;
    }

    private bool AnyPositive(ReadOnlySpan<float> features, int encoded)
    {
        var (start, end) = CategoricalRange(encoded);
        for (var i = start; i < end; i++)
        {
            if (features[categoricalSlots[i]] > 0f)
            {
                return true;
            }
        }

        return false;
    }

    private (int Start, int End) CategoricalRange(int encoded)
    {
        var index = -encoded - 1;
        return (categoricalStart[index], categoricalStart[index + 1]);
    }

    // Children: >= 0 an internal node of the same tree, < 0 the complement of a leaf index; both are moved
    // into the flat arrays' numbering.
    private static int Child(int child, int nodeOffset, int leafOffset) => child >= 0 ? child + nodeOffset : ~(~child + leafOffset);

    // The public RegressionTree does not expose ML.NET's per-node defaults for missing values (set only by
    // converted models such as LightGBM's); read them from the internal tree, and refuse when that fails.
    private static bool HasMissingValueDefaults(RegressionTreeBase tree, out string? problem)
    {
        problem = null;
        var internalTree = typeof(RegressionTreeBase).GetField("_tree", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(tree);
        var defaults = internalTree?.GetType().GetField("DefaultValueForMissing", BindingFlags.Public | BindingFlags.Instance);
        if (internalTree is null || defaults is null)
        {
            problem = "this ML.NET version's trees cannot be inspected for missing-value defaults";
            return true;
        }

        return defaults.GetValue(internalTree) is float[] { Length: > 0 };
    }

    private readonly record struct Node(int Feature, float Threshold, int LessOrEqual, int Greater);

    /// <summary>
    /// Small trees (at most <see cref="MaxTableSplits"/> splits each) as lookup tables: a row's decisions at
    /// every split of a tree, as bits, index an entry that holds the leaf value the row reaches and the
    /// contributions ML.NET's walk would add (slot, and the true output minus the ghost output as float, in
    /// path order, padded with zeros to the tree's longest path so the add loop has one trip count per tree).
    /// Every split's decision is a function of the row alone, so deciding all of them and then
    /// looking up gives exactly the walk's leaf and deltas; the comparisons do not wait on each other and no
    /// branch depends on the data.
    /// </summary>
    private sealed class TreeTables
    {
        private const int MaxTableSplits = 7;

        private readonly int[] splitStart;
        private readonly int[] feature;
        private readonly float[] threshold;
        private readonly int[] entryStart;
        private readonly double[] output;
        private readonly int[] pathLength;

        // FastTree's 4-leaf trees (the committed models) all have exactly three splits: then one unrolled step per tree.
        private readonly bool threeSplitsEach;
        private readonly bool samePathLengths;
        private readonly int[] deltaStart;
        private readonly int[] deltaSlot;
        private readonly float[] delta;

        // With three splits per tree a tree has exactly 8 entries, one per lane of a 256-bit vector of ints, so a
        // block's 8 rows look up a tree with one permute instead of 8 loads: its 8 leaf outputs as doubles (one
        // 512-bit vector), and its contributions as one 8-float vector per slot and occurrence of that slot on a
        // path (the first split on recency, the second, …), each holding that delta for every entry, 0 where the
        // entry's path has no such split. Adding them vector by vector in occurrence order adds each row's deltas
        // to each slot in path order, as the row-by-row loop does (adding 0 changes nothing): the same floats.
        private readonly bool permuteScores;
        private readonly int[]? laneStart;
        private readonly int[]? laneSlot;
        private readonly float[]? laneDelta;
        private readonly int laneSlotCount;

        // The feature vector's length: a group of a block's transposed rows is this many slots of 8 lanes.
        private readonly int linkedSlotCount;

        private TreeTables(
            int slotCount, int[] splitStart, int[] feature, float[] threshold, int[] entryStart, double[] output, int[] pathLength, int[] deltaStart, int[] deltaSlot, float[] delta)
        {
            linkedSlotCount = slotCount;
            this.pathLength = pathLength;
            threeSplitsEach = feature.Length == 3 * pathLength.Length && output.Length == 8 * pathLength.Length;
            samePathLengths = pathLength.All(l => l == pathLength[0]);
            this.splitStart = splitStart;
            this.feature = feature;
            this.threshold = threshold;
            this.entryStart = entryStart;
            this.output = output;
            this.deltaStart = deltaStart;
            this.deltaSlot = deltaSlot;
            this.delta = delta;
            permuteScores = threeSplitsEach && Avx512F.IsSupported;
            if (threeSplitsEach && Avx2.IsSupported)
            {
                (laneStart, laneSlot, laneDelta) = LaneTables();
                laneSlotCount = laneSlot.Length == 0 ? 0 : laneSlot.Max() + 1;
            }
        }

        // The per-slot, per-occurrence delta vectors of trees with three splits (see permuteScores).
        private (int[] Start, int[] Slot, float[] Delta) LaneTables()
        {
            const int entries = 8;
            var start = new int[pathLength.Length + 1];
            var slots = new List<int>();
            var deltas = new List<float>();
            for (var t = 0; t < pathLength.Length; t++)
            {
                start[t] = slots.Count;
                var length = pathLength[t];
                var byEntry = Enumerable.Range(0, entries)
                    .Select(e => Enumerable.Range(deltaStart[t] + (e * length), length).Select(k => (Slot: deltaSlot[k], Delta: delta[k])).ToList())
                    .ToList();
                for (var occurrence = 0; occurrence < length; occurrence++)
                {
                    foreach (var slot in byEntry.SelectMany(path => path.Select(d => d.Slot)).Distinct().Order())
                    {
                        var lane = byEntry.Select(path => path.Where(d => d.Slot == slot).Select(d => d.Delta).ElementAtOrDefault(occurrence)).ToArray();
                        if (lane.Any(d => d != 0f))
                        {
                            slots.Add(slot);
                            deltas.AddRange(lane);
                        }
                    }
                }
            }

            start[pathLength.Length] = slots.Count;
            return (start, slots.ToArray(), deltas.ToArray());
        }

        public static TreeTables? TryCreate(FlatTreeEnsemble linked)
        {
            var roots = linked.roots;
            var splitStart = new int[roots.Length + 1];
            var entryStart = new int[roots.Length + 1];
            var feature = new List<int>();
            var threshold = new List<float>();
            var output = new List<double>();
            var pathLength = new int[roots.Length];
            var deltaStart = new int[roots.Length];
            var deltaSlot = new List<int>();
            var delta = new List<float>();
            for (var t = 0; t < roots.Length; t++)
            {
                var end = t + 1 < roots.Length ? roots[t + 1] : linked.nodes.Length;
                var splits = end - roots[t];
                if (splits > MaxTableSplits)
                {
                    return null;
                }

                splitStart[t] = feature.Count;
                entryStart[t] = output.Count;
                deltaStart[t] = delta.Count;
                pathLength[t] = CompleteTrees.Depth(linked.nodes, roots[t]);
                for (var n = roots[t]; n < end; n++)
                {
                    feature.Add(linked.nodes[n].Feature);
                    threshold.Add(linked.nodes[n].Threshold);
                }

                for (var bits = 0; bits < 1 << splits; bits++)
                {
                    var trueOutput = linked.leafValues[Walk(linked, roots[t], bits)];
                    output.Add(trueOutput);
                    var node = roots[t];
                    var added = 0;
                    while (node >= 0)
                    {
                        ref readonly var split = ref linked.nodes[node];
                        var right = ((bits >> (node - roots[t])) & 1) == 1;
                        var other = right ? split.LessOrEqual : split.Greater;
                        deltaSlot.Add(split.Feature);
                        delta.Add((float)(trueOutput - linked.leafValues[Walk(linked, other, bits, roots[t])]));
                        node = right ? split.Greater : split.LessOrEqual;
                        added++;
                    }

                    // Padding: adding 0 to slot 0 changes nothing (at most a −0 into +0, which no reader tells apart).
                    for (; added < pathLength[t]; added++)
                    {
                        deltaSlot.Add(0);
                        delta.Add(0f);
                    }
                }
            }

            splitStart[roots.Length] = feature.Count;
            entryStart[roots.Length] = output.Count;
            return new TreeTables(
                linked.SlotCount,
                splitStart, feature.ToArray(), threshold.ToArray(), entryStart, output.ToArray(), pathLength, deltaStart, deltaSlot.ToArray(), delta.ToArray());
        }

        public float Score(ReadOnlySpan<float> features)
        {
            double sum = 0;
            if (threeSplitsEach)
            {
                for (int t = 0, s = 0; t < output.Length / 8; t++, s += 3)
                {
                    sum += output[(8 * t) + ThreeBits(features, s)];
                }

                return (float)sum;
            }

            for (var t = 0; t < splitStart.Length - 1; t++)
            {
                sum += output[entryStart[t] + Bits(features, t)];
            }

            return (float)sum;
        }

        public float Score(ReadOnlySpan<float> features, Span<int> entries)
        {
            double sum = 0;
            for (var t = 0; t < pathLength.Length; t++)
            {
                var entry = entryStart[t] + (threeSplitsEach ? ThreeBits(features, 3 * t) : Bits(features, t));
                entries[t] = entry;
                sum += output[entry];
            }

            return (float)sum;
        }

        // One vector compare per split decides the split for a group of 8 rows (no gathers: they are slow on this kind of
        // CPU), then each row's entry is looked up as in Score. Larger trees go tree after tree, each for all the block's
        // groups, so that a tree's table is read once per block of 64 rather than once per 8 rows. Every row's sum adds
        // the same leaf values in the same tree order in double, so the scores are bit for bit the same.
        public void ScoreBlock(ReadOnlySpan<float> transposed, Span<float> scores, Span<int> blockEntries)
        {
            var rows = scores.Length;
            var groups = (rows + Lanes - 1) / Lanes;
            var trees = pathLength.Length;
            var record = blockEntries.Length > 0;
            var groupSlots = linkedSlotCount * Lanes;
            ref var values = ref MemoryMarshal.GetReference(transposed);
            ref var recorded = ref MemoryMarshal.GetReference(blockEntries);
            Span<double> sums = stackalloc double[BlockRows];
            sums.Clear();
            ref var sum = ref MemoryMarshal.GetReference(sums);
            if (permuteScores)
            {
                // Lane k of group g's sum is row 8g + k's: the same doubles added in the same order. Trees of three splits
                // keep 8 leaves each (64 bytes, a whole ensemble's in the core's cache), so here the group is the outer
                // loop and its sum stays in a register across all trees.
                for (var g = 0; g < groups; g++)
                {
                    ref var group = ref Unsafe.Add(ref values, g * groupSlots);
                    var groupSum = Vector512<double>.Zero;
                    for (var t = 0; t < trees; t++)
                    {
                        var right = Decide(ref group, t);
                        if (record)
                        {
                            right.StoreUnsafe(ref recorded, (nuint)(((g * trees) + t) * Lanes));
                        }

                        var leaves = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(output), (nuint)(8 * t));
                        groupSum += Avx512F.PermuteVar8x64(leaves, Avx512F.ConvertToVector512Int64(right));
                    }

                    groupSum.StoreUnsafe(ref Unsafe.Add(ref sum, g * Lanes));
                }
            }
            else
            {
                Span<int> bits = stackalloc int[Lanes];
                for (var t = 0; t < trees; t++)
                {
                    var first = entryStart[t];
                    for (var g = 0; g < groups; g++)
                    {
                        var right = Decide(ref Unsafe.Add(ref values, g * groupSlots), t);
                        right.StoreUnsafe(ref MemoryMarshal.GetReference(bits));
                        if (record)
                        {
                            right.StoreUnsafe(ref recorded, (nuint)(((g * trees) + t) * Lanes));
                        }

                        var inGroup = Math.Min(Lanes, rows - (g * Lanes));
                        for (var k = 0; k < inGroup; k++)
                        {
                            Unsafe.Add(ref sum, (g * Lanes) + k) += output[first + bits[k]];
                        }
                    }
                }
            }

            for (var k = 0; k < rows; k++)
            {
                scores[k] = (float)sums[k];
            }
        }

        // Tree t's decisions for a group's 8 rows: lane k holds row k's entry, counted from the tree's first.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector256<int> Decide(ref float values, int t)
        {
            var start = splitStart[t];
            var count = splitStart[t + 1] - start;
            var right = Vector256<int>.Zero;
            for (var j = 0; j < count; j++)
            {
                var row = Vector256.LoadUnsafe(ref values, (nuint)(feature[start + j] * Lanes));

                // ML.NET goes left when value <= threshold; anything else, NaN included, goes right (bit j set).
                var left = Vector256.LessThanOrEqual(row, Vector256.Create(threshold[start + j])).AsInt32();
                right |= Vector256.AndNot(Vector256.Create(1 << j), left);
            }

            return right;
        }

        public void AddContributions(ReadOnlySpan<int> entries, Span<float> contributions)
        {
            for (var t = 0; t < pathLength.Length; t++)
            {
                var length = pathLength[t];
                var first = deltaStart[t] + ((entries[t] - entryStart[t]) * length);
                for (var k = first; k < first + length; k++)
                {
                    contributions[deltaSlot[k]] += delta[k];
                }
            }
        }

        // Tree by tree, row after row: one row's adds to a slot wait on each other (a popular slot, or slot 0's
        // padding, is a chain of read-modify-writes through memory), other rows' adds do not, so interleaving the
        // rows keeps the core busy. Each row still adds its deltas to each slot in tree order: the same floats.
        public void AddContributionsBlock(ReadOnlySpan<int> blockEntries, ReadOnlySpan<float[]> contributions)
        {
            if (contributions.IsEmpty)
            {
                return;
            }

            if (laneStart is not null)
            {
                AddContributionsByPermute(blockEntries, contributions);
                return;
            }

            for (var t = 0; t < pathLength.Length; t++)
            {
                var length = pathLength[t];
                for (var r = 0; r < contributions.Length; r++)
                {
                    var row = contributions[r];
                    var first = deltaStart[t] + (blockEntries[(t * Lanes) + r] * length);
                    for (var k = first; k < first + length; k++)
                    {
                        row[deltaSlot[k]] += delta[k];
                    }
                }
            }
        }

        // Slot-major sums for the block (slot s of row k at s * Lanes + k), then added to each row's contributions.
        private void AddContributionsByPermute(ReadOnlySpan<int> blockEntries, ReadOnlySpan<float[]> contributions)
        {
            // Only the slots the trees split on get sums (the caller cleared the rest); a wide table borrows them from the pool.
            var slotCount = laneSlotCount;
            float[]? rented = slotCount <= 256 ? null : ArrayPool<float>.Shared.Rent(slotCount * Lanes);
            Span<float> sums = rented is null ? stackalloc float[slotCount * Lanes] : rented.AsSpan(0, slotCount * Lanes);
            sums.Clear();
            ref var sum = ref MemoryMarshal.GetReference(sums);
            ref var entries = ref MemoryMarshal.GetReference(blockEntries);
            ref var lanes = ref MemoryMarshal.GetArrayDataReference(laneDelta!);
            for (var t = 0; t < pathLength.Length; t++)
            {
                var entry = Vector256.LoadUnsafe(ref entries, (nuint)(t * Lanes));
                for (var j = laneStart![t]; j < laneStart[t + 1]; j++)
                {
                    ref var slotSum = ref Unsafe.Add(ref sum, laneSlot![j] * Lanes);
                    var added = Vector256.LoadUnsafe(ref slotSum) + Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref lanes, (nuint)(j * Lanes)), entry);
                    added.StoreUnsafe(ref slotSum);
                }
            }

            for (var k = 0; k < contributions.Length; k++)
            {
                var row = contributions[k];
                for (var s = 0; s < slotCount; s++)
                {
                    row[s] += sums[(s * Lanes) + k];
                }
            }

            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }

        public void AddContributions(ReadOnlySpan<float> features, Span<float> contributions)
        {
            if (threeSplitsEach && samePathLengths)
            {
                var length = pathLength[0];
                for (int t = 0, s = 0; t < pathLength.Length; t++, s += 3)
                {
                    var first = ((8 * t) + ThreeBits(features, s)) * length;
                    for (var k = first; k < first + length; k++)
                    {
                        contributions[deltaSlot[k]] += delta[k];
                    }
                }

                return;
            }

            for (var t = 0; t < splitStart.Length - 1; t++)
            {
                var length = pathLength[t];
                var first = deltaStart[t] + (Bits(features, t) * length);
                for (var k = first; k < first + length; k++)
                {
                    contributions[deltaSlot[k]] += delta[k];
                }
            }
        }

        // FastTree's 4-leaf trees (the committed models) all have exactly three splits: then one unrolled step per tree.

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int ThreeBits(ReadOnlySpan<float> features, int s) =>
            Unsafe.BitCast<bool, byte>(!(features[feature[s]] <= threshold[s]))
            | (Unsafe.BitCast<bool, byte>(!(features[feature[s + 1]] <= threshold[s + 1])) << 1)
            | (Unsafe.BitCast<bool, byte>(!(features[feature[s + 2]] <= threshold[s + 2])) << 2);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Bits(ReadOnlySpan<float> features, int tree)
        {
            var start = splitStart[tree];
            var count = splitStart[tree + 1] - start;
            var bits = 0;
            for (var j = 0; j < count; j++)
            {
                bits |= Unsafe.BitCast<bool, byte>(!(features[feature[start + j]] <= threshold[start + j])) << j;
            }

            return bits;
        }

        // The leaf reached from node when split j (counted from the tree's root) sends right exactly when bit j is set.
        private static int Walk(FlatTreeEnsemble linked, int node, int bits, int root = -1)
        {
            root = root < 0 ? node : root;
            while (node >= 0)
            {
                ref readonly var split = ref linked.nodes[node];
                node = ((bits >> (node - root)) & 1) == 1 ? split.Greater : split.LessOrEqual;
            }

            return ~node;
        }
    }

    /// <summary>
    /// The same trees as complete binary trees in heap order (children of i at 2i+1 and 2i+2), a leaf above
    /// the bottom padded with splits whose every descendant leaf holds its value, and walked without
    /// data-dependent branches: i = 2i + 1 + (x &gt; t or NaN). Same leaves, same sums, same order as the
    /// linked form, so the same numbers; several times faster, because a tree walk no longer mispredicts.
    /// Only for trees without categorical splits.
    /// </summary>
    private sealed class CompleteTrees
    {
        private readonly int[] depth;
        private readonly int[] nodeStart;
        private readonly int[] leafStart;
        private readonly int[] feature;
        private readonly float[] threshold;
        private readonly bool[] real;
        private readonly double[] leaf;

        private CompleteTrees(int[] depth, int[] nodeStart, int[] leafStart, int[] feature, float[] threshold, bool[] real, double[] leaf)
        {
            this.depth = depth;
            this.nodeStart = nodeStart;
            this.leafStart = leafStart;
            this.feature = feature;
            this.threshold = threshold;
            this.real = real;
            this.leaf = leaf;
        }

        public static CompleteTrees? TryCreate(FlatTreeEnsemble linked)
        {
            var depths = linked.roots.Select(r => Depth(linked.nodes, r)).ToArray();
            if (depths.Length == 0 || depths.Max() > MaxCompleteDepth)
            {
                return null;
            }

            var shared = depths.Max() <= SharedDepthLimit ? depths.Max() : 0;
            var padded = depths.Select(d => Math.Max(d, shared)).ToArray();
            var nodeStart = new int[padded.Length];
            var leafStart = new int[padded.Length];
            int nodeCount = 0, leafCount = 0;
            for (var t = 0; t < padded.Length; t++)
            {
                nodeStart[t] = nodeCount;
                leafStart[t] = leafCount;
                nodeCount += (1 << padded[t]) - 1;
                leafCount += 1 << padded[t];
            }

            var trees = new CompleteTrees(padded, nodeStart, leafStart, new int[nodeCount], new float[nodeCount], new bool[nodeCount], new double[leafCount]);
            for (var t = 0; t < padded.Length; t++)
            {
                trees.Fill(linked, t, linked.roots[t], 0, 0);
            }

            return trees;
        }

        public float Score(ReadOnlySpan<float> features)
        {
            double output = 0;
            for (var t = 0; t < depth.Length; t++)
            {
                var d = depth[t];
                var reached = d <= SharedDepthLimit ? Descend(Decisions(features, t), 0, d) : Walk(features, t, 0, d);
                output += leaf[leafStart[t] + reached - ((1 << d) - 1)];
            }

            return (float)output;
        }

        public void AddContributions(ReadOnlySpan<float> features, Span<float> contributions)
        {
            for (var t = 0; t < depth.Length; t++)
            {
                var d = depth[t];
                var firstLeaf = (1 << d) - 1;
                if (d <= SharedDepthLimit)
                {
                    var decisions = Decisions(features, t);
                    var trueOutput = leaf[leafStart[t] + Descend(decisions, 0, d) - firstLeaf];
                    var i = 0;
                    for (var level = 0; level < d; level++)
                    {
                        var n = nodeStart[t] + i;
                        var right = (decisions >> i) & 1;
                        if (real[n])
                        {
                            var ghost = Descend(decisions, (2 * i) + 2 - right, d - level - 1);
                            contributions[feature[n]] += (float)(trueOutput - leaf[leafStart[t] + ghost - firstLeaf]);
                        }

                        i = (2 * i) + 1 + right;
                    }
                }
                else
                {
                    var trueOutput = leaf[leafStart[t] + Walk(features, t, 0, d) - firstLeaf];
                    var i = 0;
                    for (var level = 0; level < d; level++)
                    {
                        var n = nodeStart[t] + i;
                        var right = Right(features[feature[n]], threshold[n]);
                        if (real[n])
                        {
                            var ghost = Walk(features, t, (2 * i) + 2 - right, d - level - 1);
                            contributions[feature[n]] += (float)(trueOutput - leaf[leafStart[t] + ghost - firstLeaf]);
                        }

                        i = (2 * i) + 1 + right;
                    }
                }
            }
        }

        // Small trees: every node's decision at once, bit n = "node n sends the row right". The comparisons
        // do not wait on each other (a walk waits on each load), and walks then only read bits.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Decisions(ReadOnlySpan<float> features, int tree)
        {
            var start = nodeStart[tree];
            var count = (1 << depth[tree]) - 1;
            var decisions = 0;
            for (var n = 0; n < count; n++)
            {
                decisions |= Right(features[feature[start + n]], threshold[start + n]) << n;
            }

            return decisions;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Descend(int decisions, int i, int levels)
        {
            for (var level = 0; level < levels; level++)
            {
                i = (2 * i) + 1 + ((decisions >> i) & 1);
            }

            return i;
        }

        // Down from heap index i for the given number of levels; returns the heap index reached.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Walk(ReadOnlySpan<float> features, int tree, int i, int levels)
        {
            var start = nodeStart[tree];
            for (var level = 0; level < levels; level++)
            {
                var n = start + i;
                i = (2 * i) + 1 + Right(features[feature[n]], threshold[n]);
            }

            return i;
        }

        // ML.NET goes left when value <= threshold; anything else, NaN included, goes right.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Right(float value, float split) => Unsafe.BitCast<bool, byte>(!(value <= split)); // a flag, not a branch

        public static int Depth(Node[] nodes, int node) =>
            node < 0 ? 0 : 1 + Math.Max(Depth(nodes, nodes[node].LessOrEqual), Depth(nodes, nodes[node].Greater));

        // Writes the linked subtree at node into heap index i of tree t; a leaf above the bottom becomes a
        // padding split (never credited with a contribution) over copies of itself.
        private void Fill(FlatTreeEnsemble linked, int t, int node, int i, int level)
        {
            var d = depth[t];
            if (level == d)
            {
                leaf[leafStart[t] + i - ((1 << d) - 1)] = linked.leafValues[~node];
                return;
            }

            var n = nodeStart[t] + i;
            if (node >= 0)
            {
                ref readonly var split = ref linked.nodes[node];
                feature[n] = split.Feature;
                threshold[n] = split.Threshold;
                real[n] = true;
                Fill(linked, t, split.LessOrEqual, (2 * i) + 1, level + 1);
                Fill(linked, t, split.Greater, (2 * i) + 2, level + 1);
            }
            else
            {
                Fill(linked, t, node, (2 * i) + 1, level + 1);
                Fill(linked, t, node, (2 * i) + 2, level + 1);
            }
        }
    }
}
