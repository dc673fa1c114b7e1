namespace MlCustomer.Core.Explanations;

/// <summary>
/// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent individualized feature attribution for tree
/// ensembles", 2018, Algorithm 2; the recursion of the shap package's C++ <c>tree_shap_recursive</c>): the Shapley
/// values of one tree's output, where a feature's absence is the cover-weighted average over the splits on it.
/// For every row, <c>ExpectedValue + Σ effects = output</c>; Shapley values of trees add, so an ensemble's effects
/// are the sums of its trees'.
/// </summary>
/// <remarks>
/// The values depend on the row only through its decision at each split, so a caller that already knows the
/// decisions (a lookup-table entry) can compute them once per entry rather than per row. Cost O(L·D²) per tree for L
/// leaves and depth D.
/// </remarks>
public static class TreeShap
{
    /// <summary>
    /// Adds the tree's Shapley value of each attribution unit to <paramref name="effects"/> (indexed by unit) for a row
    /// that decides <paramref name="goesRight"/> at each internal node.
    /// </summary>
    public static void AddEffects(ShapTree tree, ReadOnlySpan<bool> goesRight, Span<double> effects)
    {
        ArgumentNullException.ThrowIfNull(tree);
        // The unique path holds at most one element per distinct unit, plus the root's dummy.
        var maxDepth = tree.SplitCount + 2;
        var path = new PathElement[(maxDepth + 1) * (maxDepth + 2) / 2 + maxDepth];
        Recurse(tree, goesRight, effects, 0, path, 0, 0, 1, 1, -1);
    }

    /// <summary>The tree's Shapley values for a row given by its features, added to <paramref name="effects"/>.</summary>
    public static void AddEffects(ShapTree tree, ReadOnlySpan<float> features, Span<double> effects)
    {
        ArgumentNullException.ThrowIfNull(tree);
        Span<bool> decisions = tree.SplitCount <= 256 ? stackalloc bool[tree.SplitCount] : new bool[tree.SplitCount];
        tree.Decide(features, decisions);
        AddEffects(tree, decisions, effects);
    }

    /// <summary>
    /// One leaf's part of the Shapley values: for the distinct units on the leaf's path, each with its zero fraction (the
    /// product of the cover shares of the branches the path takes at splits on it) and one fraction (1 when the row
    /// follows the path at every split on it, else 0), adds <c>leafValue</c> × the unit's weight to
    /// <paramref name="effects"/>[j]. What the recursion adds at that leaf: the weights of a unique path do not depend on
    /// the order it was extended in, so the leaf's part depends on the row only through the one fractions.
    /// </summary>
    internal static void AddLeafEffects(ReadOnlySpan<double> zeroFractions, ReadOnlySpan<double> oneFractions, double leafValue, Span<double> effects)
    {
        var count = zeroFractions.Length;
        Span<PathElement> path = count <= 62 ? stackalloc PathElement[count + 1] : new PathElement[count + 1];
        Extend(path, 0, 1, 1, -1);
        for (var j = 0; j < count; j++)
        {
            Extend(path, j + 1, zeroFractions[j], oneFractions[j], j);
        }

        for (var i = 1; i <= count; i++)
        {
            effects[path[i].Unit] += UnwoundSum(path, count, i) * (path[i].OneFraction - path[i].ZeroFraction) * leafValue;
        }
    }

    private struct PathElement
    {
        public int Unit;
        public double ZeroFraction;
        public double OneFraction;
        public double Weight;
    }

    // parentStart: where the parent's unique path begins in the buffer; depth: its last index.
    private static void Recurse(
        ShapTree tree, ReadOnlySpan<bool> goesRight, Span<double> effects, int node, PathElement[] buffer, int parentStart, int depth,
        double parentZeroFraction, double parentOneFraction, int parentUnit)
    {
        // Each level copies its parent's path after it, so the children can change theirs freely.
        var start = parentStart + depth + 1;
        Array.Copy(buffer, parentStart, buffer, start, depth + 1);
        var path = buffer.AsSpan(start);
        Extend(path, depth, parentZeroFraction, parentOneFraction, parentUnit);

        if (node < 0)
        {
            var value = tree.LeafValue(~node);
            for (var i = 1; i <= depth; i++)
            {
                var weight = UnwoundSum(path, depth, i);
                effects[path[i].Unit] += weight * (path[i].OneFraction - path[i].ZeroFraction) * value;
            }

            return;
        }

        var right = goesRight[node];
        var hot = tree.Child(node, right);
        var cold = tree.Child(node, !right);
        var (leftShare, rightShare) = tree.Fractions(node);
        var hotZeroFraction = right ? rightShare : leftShare;
        var coldZeroFraction = right ? leftShare : rightShare;
        double incomingZero = 1, incomingOne = 1;
        var unit = tree.Units[node];

        // A unit already on the path is unwound first, so that its split here and above count as one.
        var index = 0;
        for (; index <= depth; index++)
        {
            if (path[index].Unit == unit)
            {
                break;
            }
        }

        if (index <= depth)
        {
            incomingZero = path[index].ZeroFraction;
            incomingOne = path[index].OneFraction;
            Unwind(path, depth, index);
            depth--;
        }

        Recurse(tree, goesRight, effects, hot, buffer, start, depth + 1, hotZeroFraction * incomingZero, incomingOne, unit);
        Recurse(tree, goesRight, effects, cold, buffer, start, depth + 1, coldZeroFraction * incomingZero, 0, unit);
    }

    private static void Extend(Span<PathElement> path, int depth, double zeroFraction, double oneFraction, int unit)
    {
        path[depth].Unit = unit;
        path[depth].ZeroFraction = zeroFraction;
        path[depth].OneFraction = oneFraction;
        path[depth].Weight = depth == 0 ? 1 : 0;
        for (var i = depth - 1; i >= 0; i--)
        {
            path[i + 1].Weight += oneFraction * path[i].Weight * (i + 1) / (depth + 1);
            path[i].Weight = zeroFraction * path[i].Weight * (depth - i) / (depth + 1);
        }
    }

    private static void Unwind(Span<PathElement> path, int depth, int index)
    {
        var oneFraction = path[index].OneFraction;
        var zeroFraction = path[index].ZeroFraction;
        var nextOnePortion = path[depth].Weight;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (oneFraction != 0)
            {
                var kept = path[i].Weight;
                path[i].Weight = nextOnePortion * (depth + 1) / ((i + 1) * oneFraction);
                nextOnePortion = kept - path[i].Weight * zeroFraction * (depth - i) / (depth + 1);
            }
            else
            {
                path[i].Weight = path[i].Weight * (depth + 1) / (zeroFraction * (depth - i));
            }
        }

        for (var i = index; i < depth; i++)
        {
            path[i].Unit = path[i + 1].Unit;
            path[i].ZeroFraction = path[i + 1].ZeroFraction;
            path[i].OneFraction = path[i + 1].OneFraction;
        }
    }

    // The total weight of the path with element index unwound, without changing the path.
    private static double UnwoundSum(Span<PathElement> path, int depth, int index)
    {
        var oneFraction = path[index].OneFraction;
        var zeroFraction = path[index].ZeroFraction;
        var nextOnePortion = path[depth].Weight;
        double total = 0;
        if (oneFraction != 0)
        {
            for (var i = depth - 1; i >= 0; i--)
            {
                var portion = nextOnePortion / ((i + 1) * oneFraction);
                total += portion;
                nextOnePortion = path[i].Weight - portion * zeroFraction * (depth - i);
            }
        }
        else
        {
            for (var i = depth - 1; i >= 0; i--)
            {
                total += path[i].Weight / (zeroFraction * (depth - i));
            }
        }

        return total * (depth + 1);
    }
}
