using System.Reflection;
using Microsoft.ML.Trainers.FastTree;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// One regression tree as TreeSHAP reads it: per internal node the attribution unit it splits on (a numeric
/// feature, or a whole categorical attribute whose one-hot slots the split tests), how a row decides there, the
/// children, and the node's <b>cover</b> — how many of the rows the tree was fitted on passed through it. ML.NET's
/// public trees carry no covers, so they are counted by routing the fitting rows (<see cref="CountCovers"/>).
/// </summary>
/// <remarks>
/// Decisions follow ML.NET 5's walk (<c>InternalRegressionTree.GetLeaf</c>): a numeric split sends a value
/// <c>&lt;= threshold</c> left and everything else right; a categorical split goes right when any of its slots is
/// &gt; 0. A NaN goes right, except where the tree has a learned default for missing values (LightGBM's trees as ML.NET
/// converts them): there ML.NET reads the node's default instead of the NaN, so the NaN goes left when that default is
/// <c>&lt;= threshold</c> (LightGBM's "default left", or a split whose missing values LightGBM reads as 0).
/// Children: ≥ 0 an internal node, &lt; 0 the complement of a leaf index.
/// </remarks>
public sealed class ShapTree
{
    private readonly int[] slot;
    private readonly int[]?[]? categoricalSlots;
    private readonly float[] threshold;
    private readonly int[] left;
    private readonly int[] right;
    private readonly double[] leafValues;
    private readonly double[] nodeCover;
    private readonly double[] leafCover;
    private readonly bool[]? missingGoesLeft;

    /// <summary>Creates a tree; covers start at 0 until counted or given.</summary>
    /// <param name="units">Per internal node, the attribution unit of its split.</param>
    /// <param name="slots">Per internal node, the numeric slot tested (ignored where <paramref name="categoricalSlots"/> has slots).</param>
    /// <param name="categoricalSlots">Per internal node, the one-hot slots of a categorical split, or null for a numeric one.</param>
    /// <param name="thresholds">Per internal node, the numeric threshold.</param>
    /// <param name="left">Per internal node, the child for "not greater" (≥ 0 node, &lt; 0 ~leaf).</param>
    /// <param name="right">Per internal node, the child for "greater, missing or category present".</param>
    /// <param name="leafValues">The leaves' outputs.</param>
    /// <param name="missingGoesLeft">Per internal node, true when a missing (NaN) value goes left at its numeric split; null: NaN always goes right.</param>
    public ShapTree(
        int[] units, int[] slots, int[]?[]? categoricalSlots, float[] thresholds, int[] left, int[] right, double[] leafValues, bool[]? missingGoesLeft = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(leafValues);
        Units = units;
        slot = slots;
        this.categoricalSlots = categoricalSlots;
        threshold = thresholds;
        this.left = left;
        this.right = right;
        this.leafValues = leafValues;
        this.missingGoesLeft = missingGoesLeft is not null && missingGoesLeft.Any(l => l) ? missingGoesLeft : null;
        nodeCover = new double[units.Length];
        leafCover = new double[leafValues.Length];
        if (units.Length == 0 || leafValues.Length != units.Length + 1)
        {
            throw new ArgumentException($"A tree needs at least one split and one more leaf than splits ({units.Length} splits, {leafValues.Length} leaves).");
        }
    }

    /// <summary>Per internal node, the attribution unit its split tests.</summary>
    public IReadOnlyList<int> Units { get; }

    /// <summary>Number of internal nodes (splits).</summary>
    public int SplitCount => Units.Count;

    /// <summary>Number of leaves.</summary>
    public int LeafCount => leafValues.Length;

    /// <summary>The distinct units the tree splits on, ascending.</summary>
    public int[] DistinctUnits() => Units.Distinct().Order().ToArray();

    /// <summary>A leaf's output.</summary>
    public double LeafValue(int leaf) => leafValues[leaf];

    /// <summary>The child a row that decided <paramref name="greater"/> at <paramref name="node"/> goes to (≥ 0 node, &lt; 0 ~leaf).</summary>
    public int Child(int node, bool greater) => greater ? right[node] : left[node];

    /// <summary>Rows that passed through a child (≥ 0 node, &lt; 0 ~leaf).</summary>
    public double Cover(int child) => child >= 0 ? nodeCover[child] : leafCover[~child];

    /// <summary>What internal node <paramref name="node"/> tests: a numeric slot and threshold, or the slots of a categorical split (else null).</summary>
    public (int Slot, float Threshold, int[]? CategoricalSlots) Split(int node) => (slot[node], threshold[node], categoricalSlots?[node]);

    /// <summary>True when a missing (NaN) value goes left at internal node <paramref name="node"/>'s numeric split (a learned default).</summary>
    public bool MissingGoesLeft(int node) => missingGoesLeft?[node] ?? false;

    /// <summary>True when the row goes right ("greater", missing without a default to the left, or category present) at internal node <paramref name="node"/>.</summary>
    public bool GoesRight(int node, ReadOnlySpan<float> features)
    {
        if (categoricalSlots?[node] is { } slots)
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

        var value = features[slot[node]];
        return !(value <= threshold[node]) && !(float.IsNaN(value) && MissingGoesLeft(node));
    }

    /// <summary>Every internal node's decision for a row, as <see cref="GoesRight"/> gives it.</summary>
    public void Decide(ReadOnlySpan<float> features, Span<bool> goesRight)
    {
        for (var n = 0; n < SplitCount; n++)
        {
            goesRight[n] = GoesRight(n, features);
        }
    }

    /// <summary>The leaf a row with these decisions reaches.</summary>
    public int Leaf(ReadOnlySpan<bool> goesRight)
    {
        var node = 0;
        while (node >= 0)
        {
            node = goesRight[node] ? right[node] : left[node];
        }

        return ~node;
    }

    /// <summary>The tree's output for a row.</summary>
    public double Output(ReadOnlySpan<float> features)
    {
        var node = 0;
        while (node >= 0)
        {
            node = GoesRight(node, features) ? right[node] : left[node];
        }

        return leafValues[~node];
    }

    /// <summary>
    /// Adds the rows that pass through each node and leaf to the covers. Call it with the rows the tree was fitted on:
    /// the baseline and every effect are expectations over them.
    /// </summary>
    public void CountCovers(ReadOnlySpan<float> features, double weight = 1)
    {
        var node = 0;
        while (node >= 0)
        {
            nodeCover[node] += weight;
            node = GoesRight(node, features) ? right[node] : left[node];
        }

        leafCover[~node] += weight;
    }

    /// <summary>Sets the covers (as stored in a bundle): one per internal node, then one per leaf.</summary>
    public void SetCovers(ReadOnlySpan<double> nodes, ReadOnlySpan<double> leaves)
    {
        if (nodes.Length != nodeCover.Length || leaves.Length != leafCover.Length)
        {
            throw new ArgumentException($"Covers do not fit the tree: {nodes.Length} node and {leaves.Length} leaf covers for {nodeCover.Length} nodes and {leafCover.Length} leaves.");
        }

        nodes.CopyTo(nodeCover);
        leaves.CopyTo(leafCover);
    }

    /// <summary>The node covers, then the leaf covers (what a bundle stores).</summary>
    public (double[] Nodes, double[] Leaves) Covers() => (nodeCover.ToArray(), leafCover.ToArray());

    /// <summary>
    /// The expected output over the rows the covers count: the tree's part of the baseline. With a node no row reached,
    /// its children count half each (an expectation must not divide by zero).
    /// </summary>
    public double ExpectedValue() => Expected(0, _ => false, default);

    /// <summary>
    /// The path-dependent conditional expectation E[f(x) | x_S] (Lundberg et al. 2018, Algorithm 1): at a split on a
    /// unit in S follow the row's decision, otherwise average the children by their covers.
    /// </summary>
    public double Expected(int node, Func<int, bool> known, ReadOnlySpan<bool> goesRight)
    {
        if (node < 0)
        {
            return leafValues[~node];
        }

        if (known(Units[node]))
        {
            return Expected(goesRight[node] ? right[node] : left[node], known, goesRight);
        }

        var (l, r) = Fractions(node);
        return l * Expected(left[node], known, goesRight) + r * Expected(right[node], known, goesRight);
    }

    /// <summary>
    /// The shares of a node's cover that went left and right: half each when no row reached it, and never exactly 0 —
    /// TreeSHAP divides by the share of the branch a row did not take, so a branch no fitting row took gets 1e-9.
    /// </summary>
    public (double Left, double Right) Fractions(int node)
    {
        var total = nodeCover[node];
        if (total <= 0)
        {
            return (0.5, 0.5);
        }

        var share = Math.Clamp(Cover(left[node]) / total, EmptyBranchShare, 1 - EmptyBranchShare);
        return (share, 1 - share);
    }

    /// <summary>The share a branch no fitting row took counts as.</summary>
    public const double EmptyBranchShare = 1e-9;

    /// <summary>
    /// Copies the trees of a FastTree or LightGBM model (binary or regression), with each split's slot mapped to an
    /// attribution unit by <paramref name="unitOfSlot"/>, and LightGBM's learned directions for missing values. Trees
    /// without a split output 0 and are left out (LightGBM's constant trees ML.NET turns into one split with two equal
    /// leaves: kept, they add their constant to the baseline and nothing to any effect).
    /// </summary>
    /// <exception cref="NotSupportedException">A categorical split tests slots of more than one unit, or this ML.NET's trees cannot be read for their missing-value defaults.</exception>
    public static IReadOnlyList<ShapTree> FromFastTree(TreeEnsembleModelParametersBasedOnRegressionTree model, Func<int, int> unitOfSlot)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(unitOfSlot);
        var trees = new List<ShapTree>();
        foreach (var tree in model.TrainedTreeEnsemble.Trees)
        {
            if (tree.NumberOfNodes == 0 || tree.NumberOfLeaves < 2 || tree.LeftChild.Count == 0 || tree.LeftChild[0] == 0)
            {
                continue; // ML.NET: "no root split", output 0
            }

            var count = tree.NumberOfNodes;
            var defaults = MissingValueDefaults(tree);
            var thresholds = tree.NumericalSplitThresholds.ToArray();
            var missingLeft = defaults is null ? null : new bool[count];
            var units = new int[count];
            var slots = new int[count];
            int[]?[]? categorical = null;
            for (var n = 0; n < count; n++)
            {
                if (tree.CategoricalSplitFlags.Count > n && tree.CategoricalSplitFlags[n])
                {
                    var tested = tree.GetCategoricalSplitFeaturesAt(n).ToArray();
                    var unit = unitOfSlot(tested[0]);
                    if (tested.Any(s => unitOfSlot(s) != unit))
                    {
                        throw new NotSupportedException($"A categorical split tests slots of more than one feature ({string.Join(", ", tested)}).");
                    }

                    categorical ??= new int[count][];
                    categorical[n] = tested;
                    units[n] = unit;
                }
                else
                {
                    slots[n] = tree.NumericalSplitFeatureIndexes[n];
                    units[n] = unitOfSlot(slots[n]);
                    // ML.NET reads a NaN as the node's default, then compares it as any value.
                    if (missingLeft is not null && n < defaults!.Length)
                    {
                        missingLeft[n] = defaults[n] <= thresholds[n];
                    }
                }
            }

            trees.Add(new ShapTree(
                units, slots, categorical, thresholds, tree.LeftChild.ToArray(), tree.RightChild.ToArray(), tree.LeafValues.ToArray(), missingLeft));
        }

        return trees;
    }

    // The public RegressionTree does not expose ML.NET's per-node defaults for missing values (set only by converted
    // models such as LightGBM's, null for FastTree): read them from the internal tree, and refuse when that fails rather
    // than explain a NaN down the wrong branch.
    private static float[]? MissingValueDefaults(RegressionTreeBase tree)
    {
        var internalTree = typeof(RegressionTreeBase).GetField("_tree", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(tree);
        var field = internalTree?.GetType().GetField("DefaultValueForMissing", BindingFlags.Public | BindingFlags.Instance)
            ?? throw new NotSupportedException("This ML.NET version's trees cannot be read for their missing-value defaults.");
        return field.GetValue(internalTree) as float[];
    }
}
