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
    // units, and per entry (the decisions as bits, split j's in bit j) the leaf value and each unit's effect.
    private readonly int[] splitStart;
    private readonly int[] splitSlot;
    private readonly float[] splitThreshold;
    private readonly int[]?[] splitCategorical;
    private readonly int[] unitStart;
    private readonly int[] treeUnit;
    private readonly int[] entryStart;
    private readonly double[] entryOutput;
    private readonly int[] effectStart;
    private readonly double[] entryEffect;
    private readonly ShapTree[] deepTrees;

    /// <summary>Prepares the trees (with their covers) for attribution to <paramref name="unitCount"/> units.</summary>
    public TreeExplainer(IReadOnlyList<ShapTree> trees, int unitCount)
    {
        ArgumentNullException.ThrowIfNull(trees);
        UnitCount = unitCount;
        Baseline = trees.Sum(t => t.ExpectedValue());
        var tabulated = trees.Where(t => t.SplitCount <= MaxTableSplits).ToList();
        deepTrees = [.. trees.Where(t => t.SplitCount > MaxTableSplits)];
        splitStart = new int[tabulated.Count + 1];
        unitStart = new int[tabulated.Count + 1];
        entryStart = new int[tabulated.Count + 1];
        effectStart = new int[tabulated.Count + 1];
        var slots = new List<int>();
        var thresholds = new List<float>();
        var categorical = new List<int[]?>();
        var units = new List<int>();
        var outputs = new List<double>();
        var effects = new List<double>();
        var scratch = new double[unitCount];
        var goesRight = new bool[MaxTableSplits];
        for (var t = 0; t < tabulated.Count; t++)
        {
            var tree = tabulated[t];
            splitStart[t] = slots.Count;
            unitStart[t] = units.Count;
            entryStart[t] = outputs.Count;
            effectStart[t] = effects.Count;
            for (var n = 0; n < tree.SplitCount; n++)
            {
                var (slot, threshold, categories) = tree.Split(n);
                slots.Add(slot);
                thresholds.Add(threshold);
                categorical.Add(categories);
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
                outputs.Add(tree.LeafValue(tree.Leaf(decisions)));
                Array.Clear(scratch);
                TreeShap.AddEffects(tree, decisions, scratch);
                foreach (var unit in distinct)
                {
                    effects.Add(scratch[unit]);
                }
            }
        }

        var count = tabulated.Count;
        (splitStart[count], unitStart[count], entryStart[count], effectStart[count]) = (slots.Count, units.Count, outputs.Count, effects.Count);
        (splitSlot, splitThreshold, splitCategorical, treeUnit, entryOutput, entryEffect) =
            (slots.ToArray(), thresholds.ToArray(), categorical.ToArray(), units.ToArray(), outputs.ToArray(), effects.ToArray());
    }

    /// <summary>How many attribution units the effects are indexed by.</summary>
    public int UnitCount { get; }

    /// <summary>The expected raw output over the rows the covers count: where every explanation starts.</summary>
    public double Baseline { get; }

    /// <summary>
    /// Adds each unit's effect on the raw output for the row with feature vector <paramref name="features"/> to
    /// <paramref name="effects"/> and returns the raw output (the sum of the leaves it reaches):
    /// <c>Baseline + Σ effects = output</c> up to rounding in double.
    /// </summary>
    public double Explain(ReadOnlySpan<float> features, Span<double> effects)
    {
        if (effects.Length < UnitCount)
        {
            throw new ArgumentException($"The effects span has {effects.Length} units; the explainer attributes to {UnitCount}.", nameof(effects));
        }

        double output = 0;
        for (var t = 0; t < entryStart.Length - 1; t++)
        {
            var first = splitStart[t];
            var bits = 0;
            for (var j = first; j < splitStart[t + 1]; j++)
            {
                var right = splitCategorical[j] is { } categories ? AnyPresent(features, categories) : !(features[splitSlot[j]] <= splitThreshold[j]);
                bits |= (right ? 1 : 0) << (j - first);
            }

            output += entryOutput[entryStart[t] + bits];
            var unitsFirst = unitStart[t];
            var width = unitStart[t + 1] - unitsFirst;
            var at = effectStart[t] + (bits * width);
            for (var u = 0; u < width; u++)
            {
                effects[treeUnit[unitsFirst + u]] += entryEffect[at + u];
            }
        }

        foreach (var tree in deepTrees)
        {
            output += tree.Output(features);
            TreeShap.AddEffects(tree, features, effects);
        }

        return output;
    }

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
