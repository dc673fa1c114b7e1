using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Data;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Explanations;

/// <summary>
/// TreeSHAP on LightGBM's trees as ML.NET converts them: learned directions for missing values (a NaN goes to the
/// node's default, left or right) and categorical splits (the slots of one attribute, "present" goes right). Trained in
/// the test; ML.NET's own scores are the oracle for the walk, brute-force Shapley values for the effects.
/// </summary>
public sealed class LightGbmShapTests
{
    private const int Levels = 6;

    // Rows for a model with NaNs and a categorical attribute: x0 is missing for a fifth of the rows, which then behave
    // like rows with a low x0 (so LightGBM learns to send NaN left); the category shifts the odds.
    private sealed class SyntheticRow
    {
        [VectorType(2)]
        public float[] X { get; set; } = [];

        public string Channel { get; set; } = "";

        public bool Label { get; set; }
    }

    private static List<SyntheticRow> Synthetic(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<SyntheticRow>(count);
        for (var i = 0; i < count; i++)
        {
            var x0 = (float)random.NextDouble();
            var x1 = (float)((random.NextDouble() * 2) - 1);
            var level = random.Next(Levels);
            var missing = random.NextDouble() < 0.2;
            var logit = (missing ? -2.0 : (4 * x0) - 2) + (1.5 * x1) + (level is 1 or 4 ? 1.5 : -0.5);
            rows.Add(new SyntheticRow
            {
                X = [missing ? float.NaN : x0, x1],
                Channel = $"c{level}",
                Label = random.NextDouble() < 1 / (1 + Math.Exp(-logit)),
            });
        }

        return rows;
    }

    [Fact]
    public void MissingValueDefaultsAndCategoricalSplitsAreWalkedAsMlNetWalksThemAndExplainedExactly()
    {
        var ml = new MLContext(seed: 1);
        var training = ml.Data.LoadFromEnumerable(Synthetic(3_000, 3));
        // Indicator one-hot keeps the categorical slot ranges, so LightGBM splits on the attribute as a category.
        var pipeline = ml.Transforms.Categorical.OneHotEncoding("ChannelCode", nameof(SyntheticRow.Channel))
            .Append(ml.Transforms.Concatenate("Features", nameof(SyntheticRow.X), "ChannelCode"))
            .Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                NumberOfIterations = 40,
                NumberOfLeaves = 12,
                MinimumExampleCountPerLeaf = 20,
                UseCategoricalSplit = true,
                MinimumExampleCountPerGroup = 10,
                NumberOfThreads = 1,
                Seed = 1,
            }));
        var model = pipeline.Fit(training);
        var lightGbm = model.LastTransformer.Model.SubModel;

        // Units: x0, x1, and the channel's one-hot slots as one unit.
        var trees = ShapTree.FromFastTree(lightGbm, slot => Math.Min(slot, 2));
        var fitting = Vectors(model.Transform(training));
        foreach (var vector in fitting.Features)
        {
            foreach (var tree in trees)
            {
                tree.CountCovers(vector);
            }
        }

        Assert.Contains(trees, t => Enumerable.Range(0, t.SplitCount).Any(t.MissingGoesLeft));
        Assert.Contains(trees, t => Enumerable.Range(0, t.SplitCount).Any(n => t.Split(n).CategoricalSlots is not null));
        Assert.Contains(trees, t => t.SplitCount > TreeExplainer.MaxTableSplits);

        var heldOut = Vectors(model.Transform(ml.Data.LoadFromEnumerable(Synthetic(400, 4))));
        var explainer = new TreeExplainer(trees, 3);
        var withNaN = 0;
        var naNRightWouldDiffer = 0;
        for (var i = 0; i < heldOut.Features.Count; i++)
        {
            var vector = heldOut.Features[i];
            var score = heldOut.Scores[i];
            var output = trees.Sum(t => t.Output(vector));
            Assert.Equal(score, output, 1e-5 * Math.Max(1, Math.Abs(score)));
            if (float.IsNaN(vector[0]))
            {
                withNaN++;
                // Read as FastTree reads a NaN (always right), the same trees would score this row differently.
                var alwaysRight = vector.ToArray();
                alwaysRight[0] = float.PositiveInfinity;
                naNRightWouldDiffer += Math.Abs(trees.Sum(t => t.Output(alwaysRight)) - output) > 1e-6 ? 1 : 0;
            }

            // Exact and additive: the tabulated and recursive explainer adds up to ML.NET's score…
            var effects = new double[3];
            var explained = explainer.Explain(vector, effects);
            Assert.Equal(score, explained, 1e-5 * Math.Max(1, Math.Abs(score)));
            Assert.Equal(score, explainer.Baseline + effects.Sum(), 1e-5 * Math.Max(1, Math.Abs(score)));

            // …and its effects are the Shapley values, tree by tree.
            var expected = new double[3];
            foreach (var tree in trees)
            {
                var decisions = new bool[tree.SplitCount];
                tree.Decide(vector, decisions);
                foreach (var (unit, phi) in BruteForceShapley.Effects(tree, decisions))
                {
                    expected[unit] += phi;
                }
            }

            for (var u = 0; u < 3; u++)
            {
                Assert.Equal(expected[u], effects[u], 1e-5 * Math.Max(1, Math.Abs(expected[u])));
            }
        }

        Assert.True(withNaN > 40, $"{withNaN} held-out rows with a missing x0");
        Assert.True(naNRightWouldDiffer > 0, "no row's score depends on the learned missing-value direction");

        // A block of 64 rows (vector compares per split) gives each row's output as row by row does.
        var block = heldOut.Features.Take(TreeExplainer.BlockRows).ToList();
        var flat = block.SelectMany(v => v).ToArray();
        var blockEffects = new double[3 * TreeExplainer.BlockRows];
        var outputs = new double[TreeExplainer.BlockRows];
        explainer.ExplainBlock(flat, block[0].Length, block.Count, blockEffects, outputs);
        for (var k = 0; k < block.Count; k++)
        {
            Assert.Equal(heldOut.Scores[k], outputs[k], 1e-5 * Math.Max(1, Math.Abs(outputs[k])));
        }
    }

    private static (List<float[]> Features, List<double> Scores) Vectors(IDataView scored)
    {
        var features = scored.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToList();
        var scores = scored.GetColumn<float>("Score").Select(s => (double)s).ToList();
        return (features, scores);
    }

    [Fact]
    public void ALightGbmChurnModelIsExplainedAdditivelyWhereverItIsServed()
    {
        var ml = new MLContext(seed: 1);
        var committed = ModelBundle.Load(ml, Path.Combine(RepositoryFolders.Root, "models"));
        var folder = Path.Combine(RepositoryFolders.Root, "training-data");
        var data = CustomerDataLoader.Load(
            Path.Combine(folder, "transactions.csv"), Path.Combine(folder, "customers.csv"), new LoadOptions(), Path.Combine(folder, "service-events.csv"));
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = committed.Card.AsOfDate!.Value, IncludeLabels = true });
        var mapper = new FeatureRows(committed.Card.FeatureContract, table.AttributeNames);
        var rows = table.Rows.Take(4_000).Select(r =>
        {
            var row = mapper.From(r);
            row.Label = r.Churned == true;
            return row;
        }).ToList();
        var schema = committed.Card.FeatureContract.Schema;
        var options = new ChurnOptions { Algorithm = ChurnAlgorithm.LightGbm, NumberOfTrees = 80, NumberOfLeaves = 16, MinimumExampleCountPerLeaf = 20, FeatureFraction = 1 };

        // Covers are counted at training, for LightGBM as for FastTree.
        var (fitted, covers) = ChurnTrainer.Fit(ml, schema, rows, options);
        Assert.NotNull(covers);
        // Served as a bundle serves it: loaded from disk.
        var path = Path.Combine(Path.GetTempPath(), $"mlcustomer-lightgbm-shap-{Guid.NewGuid():N}.zip");
        ml.Model.Save(fitted, schema.Load(ml, []).Schema, path);
        var chain = ml.Model.Load(path, out _);
        File.Delete(path);
        Assert.Equal(rows.Count, covers.Rows);
        var scores = ChurnTrainer.RawScores(ml, chain, schema, rows);
        var bundle = new ModelBundle(
            committed.Card with
            {
                Churn = committed.Card.Churn with
                {
                    TreeCovers = covers,
                    Calibrator = PlattCalibrator.Fit(scores, rows.Select(r => r.Label).ToArray()),
                    SlotNames = ModelExplanations.SlotNames(chain, schema.Load(ml, []).Schema),
                },
            },
            chain, committed.Segments, committed.LifetimeValue, committed.Rules, committed.Revenue);

        // The compiled scorer takes LightGBM's trees (its featurizer replaces missing values, so no NaN reaches them) and
        // explains as ML.NET's path does; both add up to every served probability.
        var scorer = new BundleScorer(ml, bundle);
        Assert.True(scorer.IsCompiled, scorer.NotCompiledReason);
        var explainer = Assert.IsType<BundleExplainer>(scorer.Explainer);
        var sample = rows.Take(1_000).ToList();
        var served = scorer.Score(sample, reasons: explainer.Units.Count);
        var mlNet = new BundleScorer(ml, bundle, compile: false).Score(sample, reasons: explainer.Units.Count);
        for (var i = 0; i < served.Count; i++)
        {
            var score = served[i];
            var totals = score.ChurnTotals!.Value;
            var error = Math.Abs(totals.Baseline + score.ChurnReasons.Sum(r => r.Contribution) - score.ChurnProbability);
            Assert.True(error <= 1e-5, $"{score.CustomerId}: churn effects miss the probability by {error}");
            Assert.True(Math.Abs(totals.AllOther) <= 1e-5, $"{score.CustomerId}: all other {totals.AllOther} with every feature shown");
            Assert.Equal(mlNet[i].ChurnProbability, score.ChurnProbability, 1e-6);
            Assert.Equal(mlNet[i].ChurnReasons.Select(r => r.Feature), score.ChurnReasons.Select(r => r.Feature));
            for (var k = 0; k < score.ChurnReasons.Count; k++)
            {
                Assert.Equal(mlNet[i].ChurnReasons[k].Contribution, score.ChurnReasons[k].Contribution, 1e-6);
            }
        }

        Assert.Contains(served, s => s.ChurnReasons.Count > 0);

        // Every tree with its stored covers: TreeSHAP = brute-force Shapley on a few rows each.
        var model = Assert.Single(BundleTrees.Find(chain));
        var trees = covers.Apply(model.Model, slot => slot);
        var vectors = BundleTrees.FeatureVectors(chain, schema.Load(ml, rows.Take(200).ToList()), model.FeatureColumn);
        var random = new Random(5);
        foreach (var tree in trees)
        {
            var vector = vectors[random.Next(vectors.Count)];
            var decisions = new bool[tree.SplitCount];
            tree.Decide(vector, decisions);
            var effects = new double[vector.Length];
            TreeShap.AddEffects(tree, decisions, effects);
            foreach (var (slot, phi) in BruteForceShapley.Effects(tree, decisions))
            {
                Assert.Equal(phi, effects[slot], 1e-9 * Math.Max(1, Math.Abs(phi)));
            }
        }
    }
}
