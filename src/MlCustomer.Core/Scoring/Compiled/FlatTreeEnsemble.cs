using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.ML.Trainers.FastTree;

namespace MlCustomer.Core.Scoring.Compiled;

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
    private readonly Node[] nodes;
    private readonly double[] leafValues;
    private readonly int[] roots;
    private readonly int[] categoricalSlots;
    private readonly int[] categoricalStart;

    private FlatTreeEnsemble(Node[] nodes, double[] leafValues, int[] roots, int[] categoricalSlots, int[] categoricalStart, int slotCount)
    {
        this.nodes = nodes;
        this.leafValues = leafValues;
        this.roots = roots;
        this.categoricalSlots = categoricalSlots;
        this.categoricalStart = categoricalStart;
        SlotCount = slotCount;
    }

    /// <summary>Smallest feature vector length the ensemble can read (1 + its highest split slot).</summary>
    public int SlotCount { get; }

    /// <summary>Trees with at least one split.</summary>
    public int TreeCount => roots.Length;

    /// <summary>Copies <paramref name="model"/>'s trees, or says why it cannot be evaluated here.</summary>
    public static FlatTreeEnsemble? TryCreate(object model, out string? unsupported)
    {
        // Only the two FastTree kinds whose score is the plain sum of leaf values; Tweedie, ranking, forests
        // (averaged quantile trees) and LightGBM (missing-value defaults) score differently.
        if (model is not (FastTreeBinaryModelParameters or FastTreeRegressionModelParameters))
        {
            unsupported = $"tree model {model.GetType().Name} (only FastTree binary and regression are compiled)";
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
            if (HasMissingValueDefaults(tree, out var reflectionProblem))
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
        return new FlatTreeEnsemble(nodes.ToArray(), leaves.ToArray(), roots.ToArray(), categoricalSlots.ToArray(), categoricalStart.ToArray(), maxSlot + 1);
    }

    /// <summary>The raw score of one feature vector.</summary>
    public float Score(ReadOnlySpan<float> features)
    {
        double output = 0;
        foreach (var root in roots)
        {
            output += leafValues[Leaf(features, root)];
        }

        return (float)output;
    }

    /// <summary>
    /// Adds every slot's contribution to <paramref name="contributions"/> (which the caller clears):
    /// for each split on the path, the tree's output minus the output had the row gone the other way there,
    /// credited to the split's slot; ML.NET's FeatureContributionCalculator with normalize: false.
    /// </summary>
    public void AddContributions(ReadOnlySpan<float> features, Span<float> contributions)
    {
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
}
