using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// TreeSHAP for one tree ensemble at serving speed. A tree's Shapley values depend on the row only through its
/// decision at each split (<see cref="TreeShap"/>), so for a tree of at most <see cref="MaxTableSplits"/> splits they
/// are computed once per combination of decisions when the explainer is built — a lookup table with the leaf value
/// and each split unit's effect per entry — and a row costs its comparisons, one lookup and a few additions per tree.
/// Deeper trees are explained row by row by per-leaf tables (<see cref="LeafTables"/>: O(L·D) per tree, a leaf with more
/// than <see cref="LeafTables.MaxLeafUnits"/> units on its path computed for the row's pattern). Thread-safe once built.
/// <see cref="ExplainBlock"/> explains <see cref="BlockRows"/> rows at once, tree after tree: one vector compare decides
/// a split for 8 of them, and a tree of at most three splits (8 entries) adds each unit's effect for 8 rows with one
/// lane permute.
/// </summary>
public sealed class TreeExplainer
{
    /// <summary>Trees with at most this many splits are tabulated (2^7 = 128 entries each).</summary>
    public const int MaxTableSplits = 7;

    // Tabulated trees, in ensemble order: their splits (slot and threshold, or categorical slots), their distinct
    // units, and per entry (the decisions as bits, split j's in bit j) each unit's effect.
    private readonly int[] splitStart;
    private readonly int[] splitSlot;
    private readonly float[] splitThreshold;
    private readonly int[]?[] splitCategorical;
    private readonly int[] unitStart;
    private readonly int[] treeUnit;
    private readonly int[] entryStart;
    private readonly int[] effectStart;
    private readonly double[] entryEffect;
    private readonly bool[] hasCategorical;
    // Per split, true when a NaN goes left there (LightGBM's learned default); per tabulated tree, true when any does.
    private readonly bool[] splitMissingLeft;
    private readonly bool[] hasMissingLeft;
    private readonly ShapTree[] deepTrees;
    private readonly double[] deepExpected;
    // Per deep tree, its per-leaf tables.
    private readonly LeafTables[] deepTables;

    // Trees of at most three numeric splits have at most 8 entries, one per lane of a 256-bit vector: per tree and
    // unit, the unit's effect for each entry (lanes past the tree's entries are 0 and never chosen), so a block's 8
    // entries pick their 8 effects with one permute. laneStart[t] is −1 for trees that are not tabulated this way; a
    // tabulated tree has one lane per unit it splits on.
    private readonly int[] laneStart;
    private readonly int[] laneUnit;
    private readonly float[] laneEffect;

    /// <summary>Prepares the trees (with their covers) for attribution to <paramref name="unitCount"/> units.</summary>
    public TreeExplainer(IReadOnlyList<ShapTree> trees, int unitCount)
    {
        ArgumentNullException.ThrowIfNull(trees);
        UnitCount = unitCount;
        Baseline = trees.Sum(t => t.ExpectedValue());
        var tabulated = trees.Where(t => t.SplitCount <= MaxTableSplits).ToList();
        deepTrees = [.. trees.Where(t => t.SplitCount > MaxTableSplits)];
        deepExpected = [.. deepTrees.Select(t => t.ExpectedValue())];
        deepTables = [.. deepTrees.Select(LeafTables.Create)];
        splitStart = new int[tabulated.Count + 1];
        unitStart = new int[tabulated.Count + 1];
        entryStart = new int[tabulated.Count + 1];
        effectStart = new int[tabulated.Count + 1];
        var slots = new List<int>();
        var thresholds = new List<float>();
        var categorical = new List<int[]?>();
        var missingLeft = new List<bool>();
        var units = new List<int>();
        var entries = 0;
        var effects = new List<float>();
        hasCategorical = new bool[tabulated.Count];
        hasMissingLeft = new bool[tabulated.Count];
        var scratch = new double[unitCount];
        var goesRight = new bool[MaxTableSplits];
        for (var t = 0; t < tabulated.Count; t++)
        {
            var tree = tabulated[t];
            splitStart[t] = slots.Count;
            unitStart[t] = units.Count;
            entryStart[t] = entries;
            effectStart[t] = effects.Count;
            for (var n = 0; n < tree.SplitCount; n++)
            {
                var (slot, threshold, categories) = tree.Split(n);
                slots.Add(slot);
                thresholds.Add(threshold);
                categorical.Add(categories);
                hasCategorical[t] |= categories is not null;
                missingLeft.Add(tree.MissingGoesLeft(n));
                hasMissingLeft[t] |= tree.MissingGoesLeft(n);
            }

            var distinct = tree.DistinctUnits();
            units.AddRange(distinct);
            for (var bits = 0; bits < 1 << tree.SplitCount; bits++)
            {
                for (var n = 0; n < tree.SplitCount; n++)
                {
                    goesRight[n] = ((bits >> n) & 1) == 1;
                }

                var decisions = goesRight.AsSpan(0, tree.SplitCount);
                entries++;
                Array.Clear(scratch);
                TreeShap.AddEffects(tree, decisions, scratch);
                // Rounded to single precision, as the 8-lane tables hold them, so that blocks and single rows add the
                // same numbers; summed in double, the rounding of each effect (~1e-7 of it) stays far below the served
                // prediction's own.
                foreach (var unit in distinct)
                {
                    effects.Add((float)scratch[unit]);
                }
            }
        }

        var count = tabulated.Count;
        (splitStart[count], unitStart[count], entryStart[count], effectStart[count]) = (slots.Count, units.Count, entries, effects.Count);
        (splitSlot, splitThreshold, splitCategorical, treeUnit) = (slots.ToArray(), thresholds.ToArray(), categorical.ToArray(), units.ToArray());
        splitMissingLeft = [.. missingLeft];
        (laneStart, laneUnit, laneEffect) = LaneTables(effects);
        entryEffect = [.. effects.Select(e => (double)e)];
    }

    /// <summary>Rows explained at once by <see cref="ExplainBlock"/>.</summary>
    public const int BlockRows = 64;

    // Rows decided at once: the lanes of a 256-bit vector.
    private const int Lanes = 8;

    private (int[] Start, int[] Unit, float[] Effect) LaneTables(List<float> entryEffect)
    {
        var count = entryStart.Length - 1;
        var start = new int[count + 1];
        var laneUnits = new List<int>();
        var lanes = new List<float>();
        for (var t = 0; t < count; t++)
        {
            var splits = splitStart[t + 1] - splitStart[t];
            if (splits > 3 || hasCategorical[t])
            {
                start[t] = -1;
                continue;
            }

            start[t] = laneUnits.Count;
            var width = unitStart[t + 1] - unitStart[t];
            for (var u = 0; u < width; u++)
            {
                laneUnits.Add(treeUnit[unitStart[t] + u]);
                for (var entry = 0; entry < Lanes; entry++)
                {
                    lanes.Add(entry < 1 << splits ? entryEffect[effectStart[t] + (entry * width) + u] : 0f);
                }
            }
        }

        start[count] = laneUnits.Count;
        return (start, laneUnits.ToArray(), lanes.ToArray());
    }

    /// <summary>How many attribution units the effects are indexed by.</summary>
    public int UnitCount { get; }

    /// <summary>The expected raw output over the rows the covers count: where every explanation starts.</summary>
    public double Baseline { get; }

    /// <summary>
    /// Adds each unit's effect on the raw output for the row with feature vector <paramref name="features"/> to
    /// <paramref name="effects"/> and returns the raw output, <c>Baseline + Σ effects</c> (the sum of the leaves the row
    /// reaches, up to the single-precision rounding of the tabulated effects: ~1e-7 of each).
    /// </summary>
    public double Explain(ReadOnlySpan<float> features, Span<double> effects)
    {
        if (effects.Length < UnitCount)
        {
            throw new ArgumentException($"The effects span has {effects.Length} units; the explainer attributes to {UnitCount}.", nameof(effects));
        }

        // The output is the baseline plus the effects (TreeSHAP's local accuracy), summed as they are added rather than
        // looked up in every tree: what the effects must add up to, the leaves' sum up to float rounding.
        var output = Baseline;
        ref var effect = ref MemoryMarshal.GetReference(effects);
        for (var t = 0; t < entryStart.Length - 1; t++)
        {
            var first = splitStart[t];
            var count = splitStart[t + 1] - first;
            int bits;
            if (hasCategorical[t] || hasMissingLeft[t])
            {
                bits = Bits(features, t);
            }
            else if (count == 3)
            {
                // FastTree's 4-leaf trees: three independent comparisons, no loop.
                bits = Right(features, first) | (Right(features, first + 1) << 1) | (Right(features, first + 2) << 2);
            }
            else
            {
                bits = 0;
                for (var j = 0; j < count; j++)
                {
                    bits |= Right(features, first + j) << j;
                }
            }

            var unitsFirst = unitStart[t];
            var width = unitStart[t + 1] - unitsFirst;
            var at = effectStart[t] + (bits * width);
            for (var u = 0; u < width; u++)
            {
                Unsafe.Add(ref effect, treeUnit[unitsFirst + u]) += entryEffect[at + u];
                output += entryEffect[at + u];
            }
        }

        for (var d = 0; d < deepTrees.Length; d++)
        {
            AddDeepEffects(d, features, effects);
            output += deepTrees[d].Output(features) - deepExpected[d];
        }

        return output;
    }

    /// <summary>
    /// Explains up to <see cref="BlockRows"/> rows at once: row k's feature vector is
    /// <c>features[k·slotCount .. (k+1)·slotCount)</c>; its effect on unit u is added to <c>effects[u·BlockRows + k]</c>
    /// (unit-major, so the block's rows are added side by side) and <c>outputs[k]</c> is set to the raw output,
    /// <see cref="Baseline"/> plus the row's effects. The same effects as <see cref="Explain"/> row by row, summed in
    /// another order (a difference of double rounding).
    /// </summary>
    /// <remarks>
    /// Tree after tree, each for all the block's rows: a tree's tables are read from memory once per block rather than
    /// once per row (a churn model's tables are larger than the core's cache), and the rows' decisions are made 8 at a
    /// time with one vector compare per split.
    /// </remarks>
    public void ExplainBlock(ReadOnlySpan<float> features, int slotCount, int rows, Span<double> effects, Span<double> outputs)
    {
        if (rows is < 1 or > BlockRows || features.Length < rows * slotCount || effects.Length < UnitCount * BlockRows || outputs.Length < rows)
        {
            throw new ArgumentException($"A block holds 1 to {BlockRows} rows of {slotCount} slots, {UnitCount}×{BlockRows} effects and an output per row.");
        }

        // Slot-major copy of the rows in groups of 8 (slot s of row 8g + k at (g·slotCount + s)·8 + k; absent rows read
        // 0 and are never used).
        var groups = (rows + Lanes - 1) / Lanes;
        var size = groups * slotCount * Lanes;
        var rented = ArrayPool<float>.Shared.Rent(size);
        var transposed = rented.AsSpan(0, size);
        transposed.Clear();
        for (var k = 0; k < rows; k++)
        {
            var row = features.Slice(k * slotCount, slotCount);
            var at = ((k / Lanes) * slotCount * Lanes) + (k % Lanes);
            for (var slot = 0; slot < slotCount; slot++)
            {
                transposed[at + (slot * Lanes)] = row[slot];
            }
        }

        ref var values = ref MemoryMarshal.GetReference(transposed);
        ref var sums = ref MemoryMarshal.GetReference(effects);
        var byVectors = Vector256.IsHardwareAccelerated;
        Span<int> bits = stackalloc int[BlockRows];
        for (var t = 0; t < entryStart.Length - 1; t++)
        {
            var first = splitStart[t];
            var count = splitStart[t + 1] - first;
            var byLanes = laneStart[t] >= 0 && byVectors && Avx2.IsSupported;
            var missingLeft = hasMissingLeft[t];
            if (hasCategorical[t] || !byVectors)
            {
                for (var k = 0; k < rows; k++)
                {
                    bits[k] = Bits(features.Slice(k * slotCount, slotCount), t);
                }
            }
            else
            {
                for (var g = 0; g < groups; g++)
                {
                    ref var group = ref Unsafe.Add(ref values, g * slotCount * Lanes);
                    var right = Vector256<int>.Zero;
                    for (var j = 0; j < count; j++)
                    {
                        // Goes right when not value <= threshold: greater, or NaN, as ML.NET's walk decides.
                        var row = Vector256.LoadUnsafe(ref group, (nuint)(splitSlot[first + j] * Lanes));
                        var left = Vector256.LessThanOrEqual(row, Vector256.Create(splitThreshold[first + j])).AsInt32();
                        if (missingLeft && splitMissingLeft[first + j])
                        {
                            // A learned default sends NaN left: a lane that is not equal to itself is NaN.
                            left |= ~Vector256.Equals(row, row).AsInt32();
                        }

                        right |= Vector256.AndNot(Vector256.Create(1 << j), left);
                    }

                    if (byLanes)
                    {
                        AddLanes(t, right, ref Unsafe.Add(ref sums, g * Lanes));
                    }
                    else
                    {
                        right.StoreUnsafe(ref MemoryMarshal.GetReference(bits), (nuint)(g * Lanes));
                    }
                }

                if (byLanes)
                {
                    continue;
                }
            }

            // Row after row within the tree: one row's adds to a unit wait on each other, the other rows' do not. The
            // effects are read as doubles: converting floats here would chain every add on the previous conversion
            // (vcvtss2sd merges into its destination register).
            var unitsFirst = unitStart[t];
            var width = unitStart[t + 1] - unitsFirst;
            ref var treeUnits = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(treeUnit), unitsFirst);
            ref var treeEffects = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(entryEffect), effectStart[t]);
            for (var k = 0; k < rows; k++)
            {
                ref var entry = ref Unsafe.Add(ref treeEffects, bits[k] * width);
                for (var u = 0; u < width; u++)
                {
                    Unsafe.Add(ref sums, (Unsafe.Add(ref treeUnits, u) * BlockRows) + k) += Unsafe.Add(ref entry, u);
                }
            }
        }

        ArrayPool<float>.Shared.Return(rented);

        // Deep trees one after the other, each for all the block's rows, and within a tree leaf after leaf
        // (LeafTables.AddEffectsBlock): a leaf's table is then read from the nearest cache by the block's rows after the
        // first, where row after row through every tree read them all from memory each time.
        if (deepTrees.Length > 0)
        {
            var mostSplits = deepTrees.Max(t => t.SplitCount);
            var blockDecisions = ArrayPool<bool>.Shared.Rent(mostSplits * rows);
            for (var d = 0; d < deepTrees.Length; d++)
            {
                var tree = deepTrees[d];
                var splits = tree.SplitCount;
                for (var k = 0; k < rows; k++)
                {
                    tree.Decide(features.Slice(k * slotCount, slotCount), blockDecisions.AsSpan(k * splits, splits));
                }

                deepTables[d].AddEffectsBlock(blockDecisions.AsSpan(0, splits * rows), splits, rows, effects, BlockRows);
            }

            ArrayPool<bool>.Shared.Return(blockDecisions);
        }

        for (var k = 0; k < rows; k++)
        {
            var output = Baseline;
            for (var u = 0; u < UnitCount; u++)
            {
                output += Unsafe.Add(ref sums, (u * BlockRows) + k);
            }

            outputs[k] = output;
        }
    }

    // Deep tree d's effects for one row, by its leaf tables.
    private void AddDeepEffects(int d, ReadOnlySpan<float> features, Span<double> effects)
    {
        var tree = deepTrees[d];
        Span<bool> decisions = tree.SplitCount <= 256 ? stackalloc bool[tree.SplitCount] : new bool[tree.SplitCount];
        tree.Decide(features, decisions);
        deepTables[d].AddEffects(decisions, effects);
    }

    // Tree t's effects for a group of 8 rows (their entries in lanes) picked with one permute per unit and added to the
    // group's sums (unit u's at groupSums + u·BlockRows).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddLanes(int t, Vector256<int> entries, ref double groupSums)
    {
        ref var lanes = ref MemoryMarshal.GetArrayDataReference(laneEffect);
        var lanesEnd = laneStart[t] + unitStart[t + 1] - unitStart[t];
        for (var j = laneStart[t]; j < lanesEnd; j++)
        {
            var picked = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref lanes, (nuint)(j * Lanes)), entries);
            ref var sum = ref Unsafe.Add(ref groupSums, laneUnit[j] * BlockRows);
            (Vector256.LoadUnsafe(ref sum) + Vector256.WidenLower(picked)).StoreUnsafe(ref sum);
            (Vector256.LoadUnsafe(ref sum, 4) + Vector256.WidenUpper(picked)).StoreUnsafe(ref sum, 4);
        }
    }

    // Tree t's decisions for one row as bits (split j's in bit j).
    private int Bits(ReadOnlySpan<float> features, int t)
    {
        var first = splitStart[t];
        var count = splitStart[t + 1] - first;
        var bits = 0;
        for (var j = 0; j < count; j++)
        {
            bool right;
            if (splitCategorical[first + j] is { } categories)
            {
                right = AnyPresent(features, categories);
            }
            else
            {
                var value = features[splitSlot[first + j]];
                right = !(value <= splitThreshold[first + j]) && !(splitMissingLeft[first + j] && float.IsNaN(value));
            }

            bits |= (right ? 1 : 0) << j;
        }

        return bits;
    }

    // 1 when split j sends the row right (greater, or NaN), as ML.NET's walk decides for a split without a learned
    // default for missing values; a flag, not a branch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Right(ReadOnlySpan<float> features, int j) => Unsafe.BitCast<bool, byte>(!(features[splitSlot[j]] <= splitThreshold[j]));

    private static bool AnyPresent(ReadOnlySpan<float> features, int[] slots)
    {
        foreach (var s in slots)
        {
            if (features[s] > 0f)
            {
                return true;
            }
        }

        return false;
    }
}
