using MlCustomer.Core.Explanations;

namespace MlCustomer.Core.Tests.Explanations;

public sealed class TreeShapTests
{
    // A random tree of up to maxSplits splits over units 0..units-1 (units repeat along paths), with random leaf
    // values, covers and a random row's decisions.
    private static (ShapTree Tree, bool[] Decisions) RandomTree(Random random, int maxSplits, int units, double categoricalShare = 0)
    {
        var splits = random.Next(1, maxSplits + 1);
        var left = new int[splits];
        var right = new int[splits];
        var unit = new int[splits];
        // Grow: each new split replaces a random open leaf slot of an existing split.
        var open = new List<(int Node, bool Right)> { (0, false), (0, true) };
        for (var n = 0; n < splits; n++)
        {
            unit[n] = random.Next(units);
            if (n > 0)
            {
                var k = random.Next(open.Count);
                var (parent, isRight) = open[k];
                open.RemoveAt(k);
                if (isRight)
                {
                    right[parent] = n;
                }
                else
                {
                    left[parent] = n;
                }

                open.Add((n, false));
                open.Add((n, true));
            }
        }

        for (var leaf = 0; leaf < open.Count; leaf++)
        {
            var (parent, isRight) = open[leaf];
            if (isRight)
            {
                right[parent] = ~leaf;
            }
            else
            {
                left[parent] = ~leaf;
            }
        }

        var leaves = Enumerable.Range(0, open.Count).Select(_ => random.NextDouble() * 20 - 10).ToArray();
        // Split n tests slot unit[n] against a random threshold, so rows given as features decide too.
        var thresholds = Enumerable.Range(0, splits).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        // A categorical split goes right when any of its slots is > 0 (the unit's own and the next one).
        var categorical = categoricalShare > 0
            ? Enumerable.Range(0, splits).Select(n => random.NextDouble() < categoricalShare ? new[] { unit[n], (unit[n] + 1) % units } : null).ToArray()
            : null;
        var tree = new ShapTree(unit, [.. unit], categorical, thresholds, left, right, leaves);
        var leafCovers = Enumerable.Range(0, open.Count).Select(_ => (double)random.Next(1, 50)).ToArray();
        var nodeCovers = new double[splits];
        for (var n = splits - 1; n >= 0; n--)
        {
            nodeCovers[n] = CoverOf(left[n]) + CoverOf(right[n]);
        }

        tree.SetCovers(nodeCovers, leafCovers);
        var decisions = Enumerable.Range(0, splits).Select(_ => random.Next(2) == 1).ToArray();
        return (tree, decisions);

        double CoverOf(int child) => child < 0 ? leafCovers[~child] : nodeCovers[child];
    }

    private static double[] Effects(ShapTree tree, bool[] decisions, int units)
    {
        var effects = new double[units];
        TreeShap.AddEffects(tree, decisions, effects);
        return effects;
    }

    [Fact]
    public void RandomTreesAgreeWithTheBruteForceShapleyValuesAndAddUpToTheOutput()
    {
        var random = new Random(20261203);
        for (var trial = 0; trial < 2_000; trial++)
        {
            var units = random.Next(1, 6);
            var (tree, decisions) = RandomTree(random, maxSplits: 12, units);
            var effects = Effects(tree, decisions, units);
            var expected = BruteForceShapley.Effects(tree, decisions);

            for (var u = 0; u < units; u++)
            {
                Assert.Equal(expected.GetValueOrDefault(u), effects[u], 1e-9);
            }

            Assert.Equal(tree.LeafValue(tree.Leaf(decisions)), tree.ExpectedValue() + effects.Sum(), 1e-9);
        }
    }

    [Fact]
    public void TheTabulatedExplainerGivesTheRecursionsEffectsAndTheLeavesSumForSmallAndDeepTrees()
    {
        var random = new Random(20261204);
        for (var trial = 0; trial < 200; trial++)
        {
            const int units = 5;
            // Up to 12 splits: trees above TreeExplainer.MaxTableSplits take the row-by-row recursion.
            var trees = Enumerable.Range(0, random.Next(1, 8)).Select(_ => RandomTree(random, maxSplits: 12, units).Tree).ToList();
            var explainer = new TreeExplainer(trees, units);
            Assert.Equal(trees.Sum(t => t.ExpectedValue()), explainer.Baseline, 1e-9);
            var features = Enumerable.Range(0, units).Select(_ => random.Next(10) == 0 ? float.NaN : (float)(random.NextDouble() * 2 - 1)).ToArray();

            var effects = new double[units];
            var output = explainer.Explain(features, effects);

            var expected = new double[units];
            foreach (var tree in trees)
            {
                TreeShap.AddEffects(tree, features, expected);
            }

            for (var u = 0; u < units; u++)
            {
                // The tables hold single-precision effects.
                Assert.Equal(expected[u], effects[u], 1e-5 * Math.Max(1, Math.Abs(expected[u])));
            }

            Assert.Equal(trees.Sum(t => t.Output(features)), output, 1e-4);
        }
    }

    [Fact]
    public void DeepTreesPerLeafTablesGiveTheRecursionsEffectsAlsoForPathsOfMoreUnitsThanATableHolds()
    {
        var random = new Random(31);
        for (var trial = 0; trial < 300; trial++)
        {
            // Up to 30 splits (LightGBM's 31 leaves) over 4 or 12 units: paths of few units, and paths of more than 8.
            var units = trial % 2 == 0 ? 4 : 12;
            var (tree, decisions) = RandomTree(random, maxSplits: 30, units);
            var expected = Effects(tree, decisions, units);
            var tables = LeafTables.Create(tree);
            var effects = new double[units];
            tables.AddEffects(decisions, effects);
            for (var u = 0; u < units; u++)
            {
                // Tabulated leaves hold single-precision parts (as the shallow trees' tables do).
                Assert.Equal(expected[u], effects[u], 1e-5 * Math.Max(1, Math.Abs(expected[u])));
            }
        }

        // A chain of 12 splits on 12 units: its deepest leaves have more than LeafTables.MaxLeafUnits units on their path,
        // so their part is computed for the row's pattern rather than looked up.
        const int chain = 12;
        var left2 = Enumerable.Range(0, chain).Select(n => n < chain - 1 ? n + 1 : ~(chain - 1)).ToArray();
        var right2 = Enumerable.Range(0, chain).Select(n => n < chain - 1 ? ~n : ~chain).ToArray();
        var deep = new ShapTree(
            [.. Enumerable.Range(0, chain)], [.. Enumerable.Range(0, chain)], null, [.. Enumerable.Repeat(0f, chain)], left2, right2,
            [.. Enumerable.Range(0, chain + 1).Select(l => (double)l)]);
        var row = Enumerable.Range(0, chain).Select(n => n % 3 == 0 ? 1f : -1f).ToArray();
        var explained = new double[chain];
        var output = new TreeExplainer([deep], chain).Explain(row, explained);
        var recursion = new double[chain];
        TreeShap.AddEffects(deep, row, recursion);
        for (var u = 0; u < chain; u++)
        {
            Assert.Equal(recursion[u], explained[u], 1e-5);
        }
        Assert.Equal(deep.Output(row), output, 1e-9);

        // A block of such rows, twice: the second time the wide leaves' parts come from the patterns kept the first time.
        var explainer = new TreeExplainer([deep], chain);
        var block = Enumerable.Range(0, TreeExplainer.BlockRows * chain).Select(_ => random.Next(2) == 0 ? 1f : -1f).ToArray();
        for (var pass = 0; pass < 2; pass++)
        {
            var effects = new double[chain * TreeExplainer.BlockRows];
            explainer.ExplainBlock(block, chain, TreeExplainer.BlockRows, effects, new double[TreeExplainer.BlockRows]);
            for (var k = 0; k < TreeExplainer.BlockRows; k++)
            {
                var expected = new double[chain];
                TreeShap.AddEffects(deep, block.AsSpan(k * chain, chain), expected);
                for (var u = 0; u < chain; u++)
                {
                    Assert.Equal(expected[u], effects[(u * TreeExplainer.BlockRows) + k], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void ABlockOfRowsGetsEachRowsEffectsAndOutputAsRowByRow()
    {
        var random = new Random(20261205);
        for (var trial = 0; trial < 300; trial++)
        {
            const int units = 6;
            // Up to 3 splits (lane permutes), 4–7 (tables row by row), above 7 (recursion), some categorical splits.
            var trees = Enumerable.Range(0, random.Next(1, 12))
                .Select(_ => RandomTree(random, maxSplits: random.Next(3) switch { 0 => 3, 1 => 7, _ => 10 }, units, categoricalShare: trial % 3 == 0 ? 0.3 : 0).Tree)
                .ToList();
            var explainer = new TreeExplainer(trees, units);
            var rows = random.Next(1, TreeExplainer.BlockRows + 1);
            var features = Enumerable.Range(0, rows * units).Select(_ => random.Next(10) == 0 ? float.NaN : (float)(random.NextDouble() * 2 - 1)).ToArray();

            var effects = new double[units * TreeExplainer.BlockRows];
            var outputs = new double[TreeExplainer.BlockRows];
            explainer.ExplainBlock(features, units, rows, effects, outputs);

            for (var k = 0; k < rows; k++)
            {
                var expected = new double[units];
                var output = explainer.Explain(features.AsSpan(k * units, units), expected);
                for (var u = 0; u < units; u++)
                {
                    Assert.Equal(expected[u], effects[(u * TreeExplainer.BlockRows) + k], 1e-9 * Math.Max(1, Math.Abs(expected[u])));
                }

                Assert.Equal(output, outputs[k], 1e-6 * Math.Max(1, Math.Abs(output)));
            }
        }
    }

    [Fact]
    public void AUnitTheTreeDoesNotSplitOnAndASplitThatChangesNothingGetNoEffect()
    {
        // Root on unit 0; both children split on unit 1 with equal leaves either side: unit 1 changes nothing.
        var dummy = new ShapTree([0, 1, 1], new int[3], null, new float[3], [1, ~0, ~2], [2, ~1, ~3], [5, 5, 7, 7]);
        dummy.SetCovers([10, 4, 6], [1, 3, 2, 4]);
        foreach (var decisions in new[] { new[] { false, false, true }, new[] { true, true, false }, new[] { true, false, true } })
        {
            var effects = Effects(dummy, decisions, 3);
            Assert.Equal(0, effects[1], 12);
            Assert.Equal(0, effects[2], 12);
        }
    }

    [Fact]
    public void TwoUnitsThatPlayTheSameRoleGetTheSameEffect()
    {
        // f = 1 when both units go right (an AND), built both ways round with equal covers: symmetric in 0 and 1.
        var tree = new ShapTree([0, 1, 1], new int[3], null, new float[3], [1, ~0, ~2], [2, ~1, ~3], [0, 0, 0, 1]);
        tree.SetCovers([100, 50, 50], [25, 25, 25, 25]);

        var effects = Effects(tree, [true, false, true], 2);

        Assert.Equal(0.25, tree.ExpectedValue(), 12);
        Assert.Equal(effects[0], effects[1], 12);
        Assert.Equal(0.375, effects[0], 12);
    }

    [Fact]
    public void ASplitNoFittingRowTookDoesNotDivideByZero()
    {
        var tree = new ShapTree([0, 1], new int[2], null, new float[2], [1, ~0], [~2, ~1], [1, 9, 3]);
        tree.SetCovers([10, 10], [10, 0, 0]);

        var effects = Effects(tree, [false, true], 2);

        Assert.All(effects, e => Assert.True(double.IsFinite(e)));
        Assert.Equal(9, tree.ExpectedValue() + effects.Sum(), 6);
    }
}
