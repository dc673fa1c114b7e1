using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// TreeSHAP for a tree too deep to tabulate by all its decisions (LightGBM's 31-leaf trees: 2^30 entries), tabulated
/// per leaf instead (the idea of Fast TreeSHAP, Yang 2021). What a leaf adds to the Shapley values depends on the row
/// only through one bit per distinct unit on the leaf's path: does the row follow the path at every split on that
/// unit (<see cref="TreeShap.AddLeafEffects"/>). So each leaf holds, per pattern of those bits, its effect on each of
/// its units, computed once; a row costs its decisions, then per leaf one bit test per path split, one lookup and an
/// add per unit — O(L·D) instead of the recursion's O(L·D²) with its path copies.
/// </summary>
internal sealed class LeafTables
{
    /// <summary>
    /// Leaves with at most this many distinct units on their path are tabulated (up to 2^10 patterns each, in single
    /// precision as the shallow trees' tables; the benchmark's 100 trees of 31 leaves run in a 242 MB process); a leaf
    /// with more computes its part for the row's pattern when asked (O(d²) for its d units), as the recursion does there.
    /// </summary>
    public const int MaxLeafUnits = 10;

    private readonly int[] pathStart;
    private readonly int[] pathNode;
    private readonly bool[] pathRight;
    private readonly int[] pathUnitIndex;
    private readonly int[] unitStart;
    private readonly int[] leafUnit;
    private readonly int[] tableStart;
    private readonly float[] table;
    private readonly double[] zeroFraction;
    private readonly double[] leafValue;

    // Per leaf too wide for a table, its parts for the patterns rows have shown so far (Fast TreeSHAP's reuse, kept to
    // the patterns that occur): a row's pattern is one of few in practice, and a lookup is far cheaper than the O(d²)
    // computation. Shared by the threads that explain with this tree; bounded per leaf.
    private readonly ConcurrentDictionary<long, double[]>?[] seenPatterns;

    /// <summary>Most patterns kept per leaf without a table; rows with others compute their part each time.</summary>
    public const int MaxSeenPatterns = 4_096;

    private LeafTables(
        int[] pathStart, int[] pathNode, bool[] pathRight, int[] pathUnitIndex, int[] unitStart, int[] leafUnit, int[] tableStart, float[] table,
        double[] zeroFraction, double[] leafValue)
    {
        (this.pathStart, this.pathNode, this.pathRight, this.pathUnitIndex) = (pathStart, pathNode, pathRight, pathUnitIndex);
        (this.unitStart, this.leafUnit, this.tableStart, this.table) = (unitStart, leafUnit, tableStart, table);
        (this.zeroFraction, this.leafValue) = (zeroFraction, leafValue);
        seenPatterns = [.. tableStart.SkipLast(1).Select(start => start < 0 ? new ConcurrentDictionary<long, double[]>() : null)];
    }

    /// <summary>The per-leaf tables of <paramref name="tree"/> (with its covers).</summary>
    public static LeafTables Create(ShapTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var leaves = tree.LeafCount;
        var paths = new (int Node, bool Right)[leaves][];
        Walk(tree, 0, [], paths);
        var pathStart = new int[leaves + 1];
        var unitStart = new int[leaves + 1];
        var tableStart = new int[leaves + 1];
        var nodes = new List<int>();
        var rights = new List<bool>();
        var unitIndexes = new List<int>();
        var units = new List<int>();
        var entries = new List<float>();
        var zeros = new List<double>();
        for (var leaf = 0; leaf < leaves; leaf++)
        {
            (pathStart[leaf], unitStart[leaf], tableStart[leaf]) = (nodes.Count, units.Count, entries.Count);
            var distinct = new List<int>();
            var zero = new List<double>();
            foreach (var (node, right) in paths[leaf] ?? [])
            {
                var unit = tree.Units[node];
                var j = distinct.IndexOf(unit);
                if (j < 0)
                {
                    j = distinct.Count;
                    distinct.Add(unit);
                    zero.Add(1);
                }

                var (leftShare, rightShare) = tree.Fractions(node);
                zero[j] *= right ? rightShare : leftShare;
                nodes.Add(node);
                rights.Add(right);
                unitIndexes.Add(j);
            }

            units.AddRange(distinct);
            zeros.AddRange(zero);
            if (distinct.Count > MaxLeafUnits)
            {
                tableStart[leaf] = -1;
                continue;
            }

            var one = new double[distinct.Count];
            var effects = new double[distinct.Count];
            for (var pattern = 0; pattern < 1 << distinct.Count; pattern++)
            {
                for (var j = 0; j < one.Length; j++)
                {
                    one[j] = (pattern >> j) & 1;
                }

                Array.Clear(effects);
                TreeShap.AddLeafEffects(zero.ToArray(), one, tree.LeafValue(leaf), effects);
                entries.AddRange(effects.Select(e => (float)e));
            }
        }

        (pathStart[leaves], unitStart[leaves], tableStart[leaves]) = (nodes.Count, units.Count, entries.Count);
        var values = Enumerable.Range(0, leaves).Select(tree.LeafValue).ToArray();
        return new LeafTables(pathStart, [.. nodes], [.. rights], [.. unitIndexes], unitStart, [.. units], tableStart, [.. entries], [.. zeros], values);
    }

    // Records, for every leaf, the splits on its path and the branch taken at each.
    private static void Walk(ShapTree tree, int node, List<(int Node, bool Right)> path, (int Node, bool Right)[][] paths)
    {
        if (node < 0)
        {
            paths[~node] = [.. path];
            return;
        }

        foreach (var right in (ReadOnlySpan<bool>)[false, true])
        {
            path.Add((node, right));
            Walk(tree, tree.Child(node, right), path, paths);
            path.RemoveAt(path.Count - 1);
        }
    }

    // A leaf with too many units for a table: its part for this pattern, computed now (unit u's at u·stride + row).
    private void AddUntabulated(int leaf, int first, int count, long pattern, Span<double> effects, int row, int stride)
    {
        var seen = seenPatterns[leaf]!;
        if (!seen.TryGetValue(pattern, out var part))
        {
            part = new double[count];
            Span<double> one = count <= 256 ? stackalloc double[count] : new double[count];
            for (var j = 0; j < count; j++)
            {
                one[j] = j < 63 ? (pattern >> j) & 1 : 1;
            }

            TreeShap.AddLeafEffects(zeroFraction.AsSpan(first, count), one, leafValue[leaf], part);
            if (seen.Count < MaxSeenPatterns)
            {
                seen.TryAdd(pattern, part);
            }
        }

        for (var j = 0; j < count; j++)
        {
            effects[(leafUnit[first + j] * stride) + row] += part[j];
        }
    }

    /// <summary>Adds the tree's Shapley value of each unit to <paramref name="effects"/> for a row with these decisions.</summary>
    public void AddEffects(ReadOnlySpan<bool> goesRight, Span<double> effects) => AddEffectsBlock(goesRight, goesRight.Length, 1, effects, 1);

    /// <summary>
    /// The tree's Shapley values for a block of rows at once: row k's decisions at
    /// <c>goesRight[k · splits ..]</c>, its effect on unit u added at <c>u · <paramref name="stride"/> + k</c>. Leaf after
    /// leaf, each for every row: a leaf's table (up to 40 KB) stays in the core's nearest caches while the block's rows
    /// look up their patterns in it.
    /// </summary>
    public void AddEffectsBlock(ReadOnlySpan<bool> goesRight, int splits, int rows, Span<double> effects, int stride)
    {
        for (var leaf = 0; leaf < unitStart.Length - 1; leaf++)
        {
            var first = unitStart[leaf];
            var count = unitStart[leaf + 1] - first;
            var full = count >= 63 ? -1L : (1L << count) - 1;
            var (pathFirst, pathEnd) = (pathStart[leaf], pathStart[leaf + 1]);
            for (var row = 0; row < rows; row++)
            {
                var decisions = goesRight.Slice(row * splits, splits);
                var pattern = full;
                // Without a branch: whether the row follows the path at a split is as good as a coin toss, and a mispredicted
                // branch per split cost more than the rest of the leaf.
                for (var k = pathFirst; k < pathEnd; k++)
                {
                    var strays = (long)(Unsafe.BitCast<bool, byte>(decisions[pathNode[k]]) ^ Unsafe.BitCast<bool, byte>(pathRight[k]));
                    pattern &= ~(strays << pathUnitIndex[k]);
                }

                if (tableStart[leaf] < 0)
                {
                    AddUntabulated(leaf, first, count, pattern, effects, row, stride);
                    continue;
                }

                var at = tableStart[leaf] + ((int)pattern * count);
                for (var j = 0; j < count; j++)
                {
                    effects[(leafUnit[first + j] * stride) + row] += table[at + j];
                }
            }
        }
    }
}
