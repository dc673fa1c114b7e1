using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// TreeSHAP for one tree ensemble at serving speed. A tree's Shapley values depend on the row only through its
/// decision at each split (<see cref="TreeShap"/>), so for a tree of at most <see cref="MaxTableSplits"/> splits they
/// are computed once per combination of decisions when the explainer is built — a lookup table with the leaf value
/// and each split unit's effect per entry — and a row costs its comparisons, one lookup and a few additions per tree.
/// Deeper trees are explained row by row by the recursion (O(L·D²) per tree). Thread-safe once built.
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
    private readonly float[] entryEffect;
    private readonly bool[] hasCategorical;
    private readonly ShapTree[] deepTrees;
    private readonly double[] deepExpected;

    /// <summary>Prepares the trees (with their covers) for attribution to <paramref name="unitCount"/> units.</summary>
    public TreeExplainer(IReadOnlyList<ShapTree> trees, int unitCount)
    {
        ArgumentNullException.ThrowIfNull(trees);
        UnitCount = unitCount;
        Baseline = trees.Sum(t => t.ExpectedValue());
        var tabulated = trees.Where(t => t.SplitCount <= MaxTableSplits).ToList();
        deepTrees = [.. trees.Where(t => t.SplitCount > MaxTableSplits)];
        deepExpected = [.. deepTrees.Select(t => t.ExpectedValue())];
        splitStart = new int[tabulated.Count + 1];
        unitStart = new int[tabulated.Count + 1];
        entryStart = new int[tabulated.Count + 1];
        effectStart = new int[tabulated.Count + 1];
        var slots = new List<int>();
        var thresholds = new List<float>();
        var categorical = new List<int[]?>();
        var units = new List<int>();
        var entries = 0;
        var effects = new List<float>();
        hasCategorical = new bool[tabulated.Count];
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
                // Single precision halves the tables (200 trees of 128 entries stay in cache); summed in double, the
                // rounding of each effect (~1e-7 of it) stays far below the served prediction's own.
                foreach (var unit in distinct)
                {
                    effects.Add((float)scratch[unit]);
                }
            }
        }

        var count = tabulated.Count;
        (splitStart[count], unitStart[count], entryStart[count], effectStart[count]) = (slots.Count, units.Count, entries, effects.Count);
        (splitSlot, splitThreshold, splitCategorical, treeUnit, entryEffect) =
            (slots.ToArray(), thresholds.ToArray(), categorical.ToArray(), units.ToArray(), effects.ToArray());
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
            if (hasCategorical[t])
            {
                bits = 0;
                for (var j = 0; j < count; j++)
                {
                    var right = splitCategorical[first + j] is { } categories
                        ? AnyPresent(features, categories)
                        : !(features[splitSlot[first + j]] <= splitThreshold[first + j]);
                    bits |= (right ? 1 : 0) << j;
                }
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
            TreeShap.AddEffects(deepTrees[d], features, effects);
            output += deepTrees[d].Output(features) - deepExpected[d];
        }

        return output;
    }

    // 1 when split j sends the row right (greater, or NaN), as ML.NET's walk decides; a flag, not a branch.
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
